/// A 128-bit fingerprint of byte runs: two independent multiply–xorshift lanes fed eight bytes at a
/// time. Equal inputs give equal fingerprints; different inputs collide with odds near 2⁻¹²⁸ for
/// the collector's own data. Not a cryptographic hash, and not stable across versions: use it in
/// memory only.
public struct Fingerprint: Hashable, Sendable {
    public private(set) var first: UInt64 = 0x9E37_79B9_7F4A_7C15
    public private(set) var second: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    public init() {}

    /// A fingerprint with the given lanes (tests place entries in chosen slots with it).
    init(first: UInt64, second: UInt64) {
        self.first = first
        self.second = second
    }

    /// Adds `bytes`; the last word carries the count of its bytes, so runs of different lengths
    /// differ even where one is the other with zeros appended.
    public mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return mix(0) }
        var offset = 0
        while offset + 8 <= bytes.count {
            mix(UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
            offset += 8
        }
        var tail = UInt64(bytes.count - offset) << 56
        for index in offset..<bytes.count { tail |= UInt64(base[index]) << (8 * UInt64(index - offset)) }
        mix(tail)
    }

    /// Adds `text` as one field: its UTF-8 length, then its bytes (so "ab" + "c" ≠ "a" + "bc").
    public mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(text: $0) }
    }

    /// Adds the UTF-8 bytes of a text as one field, as `add(_: String)` adds the text.
    public mutating func add(text bytes: UnsafeBufferPointer<UInt8>) {
        mix(UInt64(bytes.count))
        add(bytes)
    }

    /// Adds one word.
    public mutating func add(_ word: UInt64) { mix(word) }

    private mutating func mix(_ word: UInt64) {
        first = (first ^ word) &* 0xFF51_AFD7_ED55_8CCD
        first ^= first >> 32
        second = (second ^ word) &* 0xC4CE_B9FE_1A85_EC53
        second ^= second >> 29
    }
}
