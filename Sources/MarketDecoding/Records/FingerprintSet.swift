/// A set of fingerprints in one open-addressing table (linear probing, deletion by backward
/// shift), placed by the fingerprint's own well-mixed bits: no hashing per insert or removal,
/// which is what the deduplicator does for every event, and one cache line touched per probe.
/// Grows to stay at most half full.
///
/// The empty slot is the all-zero fingerprint; a real all-zero fingerprint is stored as (0, 1), a
/// collision as unlikely as any other between two fingerprints.
struct FingerprintSet {
    private static let empty = Fingerprint(first: 0, second: 0)
    private var slots: [Fingerprint]
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int = 16) {
        var size = 16
        while size < minimumCapacity * 2 { size *= 2 }
        slots = Array(repeating: Self.empty, count: size)
        mask = size - 1
    }

    /// True when `fingerprint` was absent and is now in the set.
    mutating func insert(_ fingerprint: Fingerprint) -> Bool {
        let stored = Self.stored(fingerprint)
        var slot = home(stored)
        while slots[slot] != Self.empty {
            if slots[slot] == stored { return false }
            slot = (slot + 1) & mask
        }
        slots[slot] = stored
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    /// True when `fingerprint` is in the set.
    func contains(_ fingerprint: Fingerprint) -> Bool {
        let stored = Self.stored(fingerprint)
        var slot = home(stored)
        while slots[slot] != Self.empty {
            if slots[slot] == stored { return true }
            slot = (slot + 1) & mask
        }
        return false
    }

    /// Slots in the table (it holds at most half as many fingerprints).
    var slotCount: Int { slots.count }

    /// Removes `fingerprint` if present, moving later entries of its probe run back so that every
    /// entry stays reachable from its home slot.
    mutating func remove(_ fingerprint: Fingerprint) {
        let stored = Self.stored(fingerprint)
        var hole = home(stored)
        while slots[hole] != stored {
            if slots[hole] == Self.empty { return }
            hole = (hole + 1) & mask
        }
        var next = (hole + 1) & mask
        while slots[next] != Self.empty {
            // An entry may fill the hole when the hole lies on its probe path (home … next).
            if (next - home(slots[next])) & mask >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = Self.empty
        count -= 1
    }

    private func home(_ fingerprint: Fingerprint) -> Int { Int(truncatingIfNeeded: fingerprint.first) & mask }

    private static func stored(_ fingerprint: Fingerprint) -> Fingerprint {
        fingerprint == empty ? Fingerprint(first: 0, second: 1) : fingerprint
    }

    private mutating func grow() {
        let entries = slots.filter { $0 != Self.empty }
        self = FingerprintSet(minimumCapacity: slots.count)
        for entry in entries {
            var slot = home(entry)
            while slots[slot] != Self.empty { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
        count = entries.count
    }
}
