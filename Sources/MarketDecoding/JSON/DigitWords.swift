/// ASCII digits eight at a time: a run of them measured, or read as a number, with a few integer
/// operations on one unaligned 8-byte load (little-endian: the first byte is the lowest).
enum DigitWords {
    private static let zeros: UInt64 = 0x3030_3030_3030_3030
    private static let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0

    /// How many of the word's bytes, from its first, are ASCII digits (0 to 8).
    @inline(__always)
    static func leadingDigits(_ word: UInt64) -> Int {
        // A byte is a digit when, less '0', its high nibble is 0 and adding 6 keeps it so. A
        // carry out of a byte that is not a digit can mark the bytes after it too: only the
        // first non-digit is exact, which is all this counts to.
        let offsets = word ^ zeros
        let notDigits = (offsets | (offsets &+ 0x0606_0606_0606_0606)) & highNibbles
        return notDigits == 0 ? 8 : notDigits.trailingZeroBitCount >> 3
    }

    /// The value of a word of eight ASCII digits, the first the most significant.
    @inline(__always)
    static func value(ofEight word: UInt64) -> UInt64 {
        var value = word &- zeros
        value = (value &* 10 &+ (value >> 8)) & 0x00FF_00FF_00FF_00FF
        value = (value &* 100 &+ (value >> 16)) & 0x0000_FFFF_0000_FFFF
        return (value &* 10000 &+ (value >> 32)) & 0x0000_0000_FFFF_FFFF
    }
}
