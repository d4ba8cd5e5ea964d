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
        let target = buffer.baseAddress! + count, length = bytes.count
        if length <= 16 {
            Self.copySmall(from: UnsafeRawPointer(source), to: UnsafeMutableRawPointer(target), length)
        } else {
            target.initialize(from: source, count: length)
        }
        count += length
    }

    /// Copies up to 16 bytes with two loads and two stores of the widest size that fits (they
    /// overlap in the middle) rather than a call to `memcpy`: a line is mostly keys and values
    /// of a few bytes each.
    @inline(__always)
    private static func copySmall(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, _ length: Int) {
        func copyEnds<Word>(_: Word.Type) {
            let tail = length - MemoryLayout<Word>.size
            target.storeBytes(of: source.loadUnaligned(as: Word.self), as: Word.self)
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: tail, as: Word.self), toByteOffset: tail, as: Word.self)
        }
        if length >= 8 {
            copyEnds(UInt64.self)
        } else if length >= 4 {
            copyEnds(UInt32.self)
        } else if length > 0 {
            // One to three bytes: the first, the middle and the last (some the same byte).
            target.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
            target.storeBytes(of: source.load(fromByteOffset: length / 2, as: UInt8.self), toByteOffset: length / 2, as: UInt8.self)
            target.storeBytes(of: source.load(fromByteOffset: length - 1, as: UInt8.self), toByteOffset: length - 1, as: UInt8.self)
        }
    }

    @inline(__always)
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }
}
