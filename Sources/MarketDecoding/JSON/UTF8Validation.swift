/// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
public enum UTF8Validation {
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isValid($0) }
    }

    public static func isValid(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index < buffer.count {
            // ASCII eight bytes at a time.
            if index + 8 <= buffer.count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            if buffer[index] < 0x80 {
                index += 1
                continue
            }
            guard let length = sequenceLength(in: buffer, at: index) else { return false }
            index += length
        }
        return true
    }

    /// The length of the valid multi-byte sequence starting at `index` (whose byte is ≥ 0x80), or
    /// nil when it is not one.
    @inline(__always)
    public static func sequenceLength(in buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch buffer[index] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return nil
        }
        guard index + length <= buffer.count else { return nil }
        let second = buffer[index + 1]
        guard second >= lower && second <= upper else { return nil }
        for offset in 2..<max(2, length) where buffer[index + offset] & 0xC0 != 0x80 {
            return nil
        }
        return length
    }
}
