import Glibc

/// A file-system failure, with the path and the system's reason.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32

    public var description: String {
        "cannot \(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
    }
}
