/// A set of fingerprints in one open-addressing table (linear probing, deletion by backward
/// shift), placed by the fingerprint's own well-mixed bits: no hashing per insert or removal,
/// which is what the deduplicator does for every event. Grows to stay at most half full.
///
/// The empty slot is the all-zero fingerprint; a real all-zero fingerprint is stored as (0, 1), a
/// collision as unlikely as any other between two fingerprints.
struct FingerprintSet {
    private var firsts: [UInt64]
    private var seconds: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int = 16) {
        var slots = 16
        while slots < minimumCapacity * 2 { slots *= 2 }
        firsts = Array(repeating: 0, count: slots)
        seconds = Array(repeating: 0, count: slots)
        mask = slots - 1
    }

    /// True when `fingerprint` was absent and is now in the set.
    mutating func insert(_ fingerprint: Fingerprint) -> Bool {
        let (first, second) = Self.stored(fingerprint)
        var slot = home(first)
        while firsts[slot] | seconds[slot] != 0 {
            if firsts[slot] == first && seconds[slot] == second { return false }
            slot = (slot + 1) & mask
        }
        firsts[slot] = first
        seconds[slot] = second
        count += 1
        if count * 2 > mask + 1 { grow() }
        return true
    }

    /// Removes `fingerprint` if present, moving later entries of its probe run back so that every
    /// entry stays reachable from its home slot.
    mutating func remove(_ fingerprint: Fingerprint) {
        let (first, second) = Self.stored(fingerprint)
        var hole = home(first)
        while !(firsts[hole] == first && seconds[hole] == second) {
            if firsts[hole] | seconds[hole] == 0 { return }
            hole = (hole + 1) & mask
        }
        var next = (hole + 1) & mask
        while firsts[next] | seconds[next] != 0 {
            // An entry may fill the hole when the hole lies on its probe path (home … next).
            if (next - home(firsts[next])) & mask >= (next - hole) & mask {
                firsts[hole] = firsts[next]
                seconds[hole] = seconds[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        firsts[hole] = 0
        seconds[hole] = 0
        count -= 1
    }

    private func home(_ first: UInt64) -> Int { Int(truncatingIfNeeded: first) & mask }

    private static func stored(_ fingerprint: Fingerprint) -> (UInt64, UInt64) {
        fingerprint.first | fingerprint.second == 0 ? (0, 1) : (fingerprint.first, fingerprint.second)
    }

    private mutating func grow() {
        let old = zip(firsts, seconds).filter { $0.0 | $0.1 != 0 }
        self = FingerprintSet(minimumCapacity: mask + 1)
        for (first, second) in old {
            var slot = home(first)
            while firsts[slot] | seconds[slot] != 0 { slot = (slot + 1) & mask }
            firsts[slot] = first
            seconds[slot] = second
        }
        count = old.count
    }
}
