import CLinux
import Glibc

/// How the C allocator keeps and returns memory in a long-running daemon.
///
/// - One arena. glibc gives each thread that allocates its own arena (up to 8 per core), and each
///   keeps the memory freed into it. Frames are allocated on the network thread and records on a
///   Dispatch worker: measured under a flood, two arenas halve the heap (68 → 28 MiB) and one takes
///   it further (22 → 16 MiB) at the same throughput; each thread's cache (tcache) keeps the
///   lock off the common path.
/// - Big blocks mapped on their own, at a fixed threshold. Allocations of `bigBlockBytes` and more
///   (a multi-megabyte frame, its reassembly, its rejection record) get their own mapping, returned
///   when freed, and free memory above that at the top of the heap is given back. glibc's default
///   raises both thresholds after the first big block is freed (up to 32 MiB), so one 5 MB frame
///   left 10–13 MiB in the heap for good: what the soak saw as growth.
public enum MallocPolicy {
    /// Mapped on their own from this size; also the free space kept at the top of the heap.
    public static let bigBlockBytes: Int32 = 1 << 20

    /// Applies the policy; call before the collector starts its threads. `MALLOC_ARENA_MAX`,
    /// `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` in the environment take precedence.
    public static func apply() {
        if getenv("MALLOC_ARENA_MAX") == nil { _ = sc_malloc_arena_max(1) }
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = sc_malloc_mmap_threshold(bigBlockBytes) }
        if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = sc_malloc_trim_threshold(bigBlockBytes) }
    }
}
