import Glibc

extension JSONTape {
    /// Index-based access to a tape's values through pointers, without reference counting: the
    /// decoder's per-event loop. Valid only inside `JSONTape.withView`.
    struct View {
        let bytes: UnsafeBufferPointer<UInt8>
        let entries: UnsafeBufferPointer<Entry>

        @inline(__always)
        func kind(_ index: Int) -> Kind { entries[index].kind }

        /// The value's bytes exactly as received.
        @inline(__always)
        func raw(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[Int(entries[index].start)..<Int(entries[index].end)])
        }

        /// The index one past the value's subtree: its next sibling, or the end of its container.
        @inline(__always)
        func next(_ index: Int) -> Int { Int(entries[index].next) }

        /// The number of elements of the array at `index`.
        func elementCount(_ index: Int) -> Int {
            var count = 0, element = index + 1
            let end = next(index)
            while element < end {
                count += 1
                element = next(element)
            }
            return count
        }

        /// Calls `body(key, value)` for each member of the object at `index`, in order received.
        @inline(__always)
        func forEachMember(of index: Int, _ body: (_ key: Int, _ value: Int) -> Void) {
            var key = index + 1
            let end = next(index)
            while key < end {
                body(key, key + 1)
                key = next(key + 1)
            }
        }

        /// The value of the first member whose key packs to `packedKey` (see `packedKey`).
        func member(of index: Int, packedKey: UInt64) -> Int? {
            var key = index + 1
            let end = next(index)
            while key < end {
                if self.packedKey(key) == packedKey { return key + 1 }
                key = next(key + 1)
            }
            return nil
        }

        /// A key of at most 7 bytes (after its escapes are resolved) packed into an integer with
        /// its length, so that two keys are equal exactly when their packed forms are; nil for a
        /// longer key or a value that is not a string.
        @inline(__always)
        func packedKey(_ index: Int) -> UInt64? {
            let entry = entries[index]
            guard entry.kind == .string else { return nil }
            // Checked before the slice is made: this is the per-member hot path.
            let first = Int(entry.start) + 1, length = Int(entry.end) - 1 - first
            if !entry.hasEscapes, length <= 7, first + 8 <= bytes.count {
                // One load and a mask: the same integer `pack` builds byte by byte.
                let word = UnsafeRawPointer(bytes.baseAddress! + first).loadUnaligned(as: UInt64.self)
                return word & ((1 << (UInt64(length) * 8)) - 1) | UInt64(length) << 56
            }
            let inner = contents(of: entry)
            if !entry.hasEscapes { return Self.pack(inner) }
            return Self.pack(JSONStringUnescaper.unescape(ArraySlice(inner)).utf8)
        }

        @inline(__always)
        static func pack<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64? {
            guard bytes.count <= 7 else { return nil }
            var packed = UInt64(bytes.count) << 56
            var shift: UInt64 = 0
            for byte in bytes {
                packed |= UInt64(byte) << shift
                shift += 8
            }
            return packed
        }

        /// Whether the string at `index` decodes to the same text as `quoted` (plain ASCII in quotes).
        func stringEquals(_ index: Int, quoted: [UInt8]) -> Bool {
            let entry = entries[index]
            guard entry.kind == .string else { return false }
            let raw = self.raw(index)
            if !entry.hasEscapes {
                return raw.count == quoted.count && quoted.withUnsafeBufferPointer { memcmp(raw.baseAddress!, $0.baseAddress!, raw.count) == 0 }
            }
            let text = JSONStringUnescaper.unescape(ArraySlice(raw.dropFirst().dropLast()))
            return text.utf8.elementsEqual(quoted.dropFirst().dropLast())
        }

        /// A string's decoded text.
        func string(_ index: Int) -> String {
            let entry = entries[index], inner = contents(of: entry)
            return entry.hasEscapes ? JSONStringUnescaper.unescape(ArraySlice(inner)) : String(decoding: inner, as: UTF8.self)
        }

        /// A string's bytes between its quotes, escapes as written.
        @inline(__always)
        private func contents(of entry: Entry) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[Int(entry.start + 1)..<Int(entry.end - 1)])
        }

        /// Adds the decoded text of the string at `index` to `fingerprint`, as `Fingerprint.add(_: String)`.
        func addText(of index: Int, to fingerprint: inout Fingerprint) {
            let entry = entries[index]
            if entry.hasEscapes { return fingerprint.add(string(index)) }
            fingerprint.add(text: contents(of: entry))
        }

        /// Whether the value is a number written as an integer (optional '-' then digits only).
        func isInteger(_ index: Int) -> Bool {
            guard entries[index].kind == .number else { return false }
            for byte in raw(index) where !byte.isDigit && byte != UInt8(ascii: "-") { return false }
            return true
        }

        /// The value of a number written as an integer that fits in Int64; nil otherwise.
        func int64(_ index: Int) -> Int64? {
            guard entries[index].kind == .number else { return nil }
            let raw = self.raw(index)
            let negative = raw.first == UInt8(ascii: "-")
            let digits = raw.count - (negative ? 1 : 0)
            if digits <= 18 {
                // Eighteen digits cannot overflow: no checks per digit (an event time has 13),
                // and eight at a time while eight remain.
                var magnitude: UInt64 = 0, at = raw.count - digits
                let base = UnsafeRawPointer(raw.baseAddress!)
                while at + 8 <= raw.count {
                    let word = base.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    guard DigitWords.leadingDigits(word) == 8 else { return nil }
                    magnitude = magnitude &* 100_000_000 &+ DigitWords.value(ofEight: word)
                    at += 8
                }
                while at < raw.count {
                    guard raw[at].isDigit else { return nil }
                    magnitude = magnitude &* 10 &+ UInt64(raw[at] &- UInt8(ascii: "0"))
                    at += 1
                }
                return negative ? -Int64(magnitude) : Int64(magnitude)
            }
            var value: Int64 = 0
            // Accumulated towards the sign so that Int64.min parses too.
            for digit in raw.dropFirst(negative ? 1 : 0) {
                guard digit.isDigit else { return nil }
                let step = Int64(digit &- UInt8(ascii: "0"))
                let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowedAgain) = negative ? times10.subtractingReportingOverflow(step) : times10.addingReportingOverflow(step)
                guard !overflowed, !overflowedAgain else { return nil }
                value = sum
            }
            return value
        }
    }
}
