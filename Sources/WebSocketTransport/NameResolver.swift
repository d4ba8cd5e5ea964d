import Glibc

/// Host-name lookup off the service thread.
///
/// libwebsockets 4.1 (Debian) has no asynchronous DNS: it would call `getaddrinfo` on its one
/// service thread and stall every connection while a lookup hangs. The loop resolves names here,
/// each on a short-lived thread of its own, and dials the numeric address, while TLS still
/// checks the certificate against the name.
enum NameResolver {
    /// The first address of `host` in numeric form, or why there is none.
    static func resolve(_ host: String) -> Result<String, TransportError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(.nameLookupFailed(host, String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(list) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let length = text.count
        let source: UnsafeRawPointer? = switch first.pointee.ai_family {
        case AF_INET: first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UnsafeRawPointer(withUnsafePointer(to: &$0.pointee.sin_addr) { $0 }) }
        case AF_INET6: first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UnsafeRawPointer(withUnsafePointer(to: &$0.pointee.sin6_addr) { $0 }) }
        default: nil
        }
        guard let source, inet_ntop(first.pointee.ai_family, source, &text, socklen_t(length)) != nil else {
            return .failure(.nameLookupFailed(host, "no IPv4 or IPv6 address"))
        }
        return .success(String(nulTerminated: text))
    }

    /// Whether `host` is already a numeric IPv4 or IPv6 address.
    static func isNumeric(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

extension String {
    /// The text of a C character buffer up to its first NUL (all of it if there is none).
    init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
