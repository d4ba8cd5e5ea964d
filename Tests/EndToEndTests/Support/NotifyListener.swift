import Foundation
import Glibc
import Synchronization

/// The systemd side of the notify protocol, for tests: a datagram socket bound to an abstract
/// name (`@...`) or a path, collecting every message the daemon sends to `$NOTIFY_SOCKET`.
final class NotifyListener: @unchecked Sendable {
    /// One datagram, split into its `KEY=VALUE` lines.
    struct Message {
        let lines: [String]
        let at: Date
        func has(_ line: String) -> Bool { lines.contains(line) }
        func value(_ key: String) -> String? { lines.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) } }
    }

    /// What to put in `NOTIFY_SOCKET`.
    let address: String
    private let descriptor: Int32
    private let received = Mutex<[Message]>([])
    private let stopped = Atomic<Bool>(false)

    init(abstract: Bool) throws {
        let name = abstract ? "@stream-collector-test-\(UUID().uuidString.prefix(12))"
            : FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(12)).sock").path
        address = name
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var local = sockaddr_un()
        local.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &local.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
            if abstract { path[0] = 0 }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw HarnessError("bind \(name): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stopped.load(ordering: .relaxed) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { continue }
                let text = String(decoding: buffer[..<count], as: UTF8.self)
                let message = Message(lines: text.split(separator: "\n").map(String.init), at: Date())
                received.withLock { $0.append(message) }
            }
        }
        thread.start()
    }

    var messages: [Message] { received.withLock { $0 } }

    /// Messages that contain `line`.
    func messages(with line: String) -> [Message] { messages.filter { $0.has(line) } }

    deinit {
        stopped.store(true, ordering: .relaxed)
        usleep(150_000)
        close(descriptor)
        if !address.hasPrefix("@") { unlink(address) }
    }
}
