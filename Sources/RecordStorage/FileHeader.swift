import FoundationEssentials
import Glibc
import MarketDecoding

/// The first line of every data file: `{"type":"collector.file",...}`.
///
/// It makes each file's first bytes unique, so shippers that fingerprint files by their beginning
/// (Filebeat, Vector, Splunk) never mistake one file for another.
struct FileHeader {
    static let schemaVersion = 1

    let fileId: String
    let family: StreamFamily
    let createdAtMicros: Int64
    let partition: Partition

    func line() -> [UInt8] {
        var line = JSONLineBuilder(capacity: 320)
        line.string("type", "collector.file")
        line.string("fileId", fileId)
        line.string("family", family.name)
        line.string("createdAt", UTCTime(microsecondsSinceEpoch: createdAtMicros).iso8601)
        line.integer("schemaVersion", Self.schemaVersion)
        line.string("date", partition.date)
        line.string("hour", partition.hour)
        line.string("writer", "stream-collector")
        line.string("host", Self.hostName)
        line.integer("pid", getpid())
        return line.finishedLine()
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// 128 random bits as 32 lowercase hex digits.
    static func newFileId() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        return hex16(high) + hex16(low)
    }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
