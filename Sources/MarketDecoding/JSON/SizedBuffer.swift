/// Writes bytes into memory sized beforehand: appends are plain copies, without the growth and
/// uniqueness checks of appending to an array, and an append past the size traps rather than
/// writes out of bounds. Used inside `make`, which returns the written bytes as one array.
struct SizedBuffer: ~Copyable {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// Bytes written so far.
    private(set) var count = 0

    private init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    /// An array of exactly `size` bytes, all written by `body`.
    static func make(size: Int, _ body: (inout SizedBuffer) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var output = SizedBuffer(buffer)
            body(&output)
            precondition(output.count == size, "wrote \(output.count) bytes where \(size) were computed")
            initialized = size
        }
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        precondition(count < buffer.count, "wrote past the size computed")
        buffer[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= buffer.count - count, "wrote past the size computed")
        guard let source = bytes.baseAddress else { return }
        (buffer.baseAddress! + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }
}
