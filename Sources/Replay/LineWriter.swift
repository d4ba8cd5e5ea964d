import Glibc

/// Buffered lines to a file descriptor (standard output by default), whole buffers per `write()`.
public final class LineWriter {
    /// Writing failed (a closed pipe, a full disk); the errno value.
    public struct Failure: Error, CustomStringConvertible {
        public let code: Int32
        public var description: String { "cannot write the output: \(String(cString: strerror(code)))" }
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    public init(descriptor: Int32 = STDOUT_FILENO, capacity: Int = 1 << 20) {
        self.descriptor = descriptor
        self.capacity = capacity
        buffer.reserveCapacity(capacity + 4096)
    }

    /// Appends `bytes` and a newline.
    public func writeLine(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= capacity { try flush() }
    }

    public func writeLine(_ bytes: [UInt8]) throws(Failure) {
        try bytes.withUnsafeBufferPointer { (pointer) throws(Failure) in try writeLine(pointer) }
    }

    public func flush() throws(Failure) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(code: errno)
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
