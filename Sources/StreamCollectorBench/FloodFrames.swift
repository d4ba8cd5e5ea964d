import NIOCore

/// Combined-stream `!assetIndex@arr` frames for the flood: one template of `symbols` realistic
/// events, each copy stamped with its own event time (patched in place), so no two frames carry
/// the same event and a deduplicating receiver drops nothing.
struct FloodFrames: Sendable {
    static let stream = "!assetIndex@arr"
    private static let firstEventTime: Int64 = 1_800_000_000_000

    let symbols: Int
    let template: [UInt8]
    private let timeOffsets: [Int]

    init(symbols: Int) {
        self.symbols = symbols
        let events = (0..<symbols).map { index in
            RecordingGenerator.event(symbol: RecordingGenerator.symbol(index), eventTime: Self.firstEventTime,
                                     index: Int64(100_000_000 + index * 7_654_321_987))
        }
        let template = Array(#"{"stream":"\#(Self.stream)","data":[\#(events.joined(separator: ","))]}"#.utf8)
        let marker = Array(#""E":\#(Self.firstEventTime)"#.utf8)
        timeOffsets = template.indices.filter { template[$0...].starts(with: marker) }.map { $0 + 4 }
        self.template = template
    }

    /// Frame `number` (0, 1, ...): the template with event time `firstEventTime + number` ms.
    func frame(_ number: Int64, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: template.count)
        buffer.writeBytes(template)
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 13)
        var value = Self.firstEventTime + number
        for position in stride(from: 12, through: 0, by: -1) {
            digits[position] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
        for offset in timeOffsets { buffer.setBytes(digits, at: offset) }
        return buffer
    }

    /// Frame `number` as bytes (for in-process decoding).
    func bytes(_ number: Int64) -> [UInt8] {
        var buffer = frame(number, allocator: ByteBufferAllocator())
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
