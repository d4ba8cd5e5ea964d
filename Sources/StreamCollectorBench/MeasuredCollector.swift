import ArgumentParser

/// The options every benchmark of the daemon shares: which binary it measures, and how many
/// rounds (what is compared alternates within each round; medians are reported).
struct MeasuredCollector: ParsableArguments {
    @Option(help: "The stream-collector binary to measure (a release build).")
    var binary = ".build/release/stream-collector"

    @Option(help: "Rounds (what is compared alternates within each; medians reported).")
    var rounds = 3
}
