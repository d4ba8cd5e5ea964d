import MarketDecoding

/// The Hive-style folder a record lands in: `date=YYYY-MM-DD/hour=HH`, from its receive time (UTC).
struct Partition: Equatable {
    let date: String
    let hour: String

    init(microseconds: Int64) {
        let time = UTCTime(microsecondsSinceEpoch: microseconds)
        date = time.date
        hour = time.hourText
    }

    var relativePath: String { "date=\(date)/hour=\(hour)" }
}
