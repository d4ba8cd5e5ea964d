import Foundation
import Testing

/// `config/prometheus/stream-collector.rules.yml` as Prometheus itself reads it: promtool checks
/// the rules and runs their unit tests, which cover every alert. (`MetricsTests` checks, against a
/// live daemon, that the rules and the tests' input series use only what `/metrics` exports.)
@Suite struct AlertRulesTests {
    static let folder = ServiceInstallTests.repository.appendingPathComponent("config/prometheus").path

    @Test(.enabled(if: ExternalTool.promtool.runsTests, ExternalTool.promtool.skipReason))
    func promtoolAcceptsTheRulesAndEveryAlertPassesItsTest() async throws {
        guard ExternalTool.promtool.require() else { return }
        let rules = "\(Self.folder)/stream-collector.rules.yml"
        let check = try await ExternalTool.promtool.run(["check", "rules", rules])
        #expect(check.status == 0 && check.output.contains("SUCCESS"), "\(check.output)")
        let test = try await ExternalTool.promtool.run(["test", "rules", "\(Self.folder)/stream-collector.rules.test.yml"])
        #expect(test.status == 0 && test.output.contains("SUCCESS"), "\(test.output)")

        let alerts = Set(try String(contentsOfFile: rules, encoding: .utf8).matches(of: /- alert: (\w+)/).map { String($0.output.1) })
        let tested = Set(try String(contentsOfFile: "\(Self.folder)/stream-collector.rules.test.yml", encoding: .utf8)
            .matches(of: /alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels/).map { String($0.output.1) })
        #expect(alerts.count >= 15)
        #expect(alerts == tested, "alerts without a firing test: \(alerts.subtracting(tested).sorted())")
    }
}
