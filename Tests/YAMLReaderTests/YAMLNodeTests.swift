import Testing
import YAMLReader

/// The configuration file as libyaml reads it: block and flow styles, JSON, anchors, text kept as
/// written, and errors that say where.
@Suite struct YAMLNodeTests {
    @Test func blockFlowAndJSONGiveTheSameTree() throws {
        let block = try #require(try YAMLNode.compose(yaml: """
            # a comment
            endpoint: ws://127.0.0.1:9443/market
            streams:
              - "!assetIndex@arr"
              - '!contractInfo'
            output: {directory: /srv/data, rotate_bytes: 1_000_000}
            empty:
            """))
        let json = try #require(try YAMLNode.compose(yaml: #"{"endpoint": "ws://127.0.0.1:9443/market", "streams": ["!assetIndex@arr", "!contractInfo"], "output": {"directory": "/srv/data", "rotate_bytes": "1_000_000"}, "empty": ""}"#))
        for tree in [block, json] {
            let pairs = try #require(tree.mapping)
            #expect(pairs.map { $0.key.scalar?.string } == ["endpoint", "streams", "output", "empty"])
            #expect(pairs[0].value.scalar?.string == "ws://127.0.0.1:9443/market")
            #expect(pairs[1].value.sequence?.map { $0.scalar?.string } == ["!assetIndex@arr", "!contractInfo"])
            #expect(pairs[2].value.mapping?.map { $0.value.scalar?.string } == ["/srv/data", "1_000_000"])
            #expect(pairs[3].value.scalar?.string == "")
        }
        #expect(block.mapping?[1].value.sequence?.map { $0.scalar?.isPlain } == [false, false])
        #expect(block.mapping?[2].value.flowText == "{directory: /srv/data, rotate_bytes: 1_000_000}")
    }

    @Test func anchorsAreResolvedAndNothingIsDocumentIsNil() throws {
        let tree = try #require(try YAMLNode.compose(yaml: "base: &symbols [btcusd, ethusd]\nsymbols: *symbols\n"))
        #expect(tree.mapping?[1].value.sequence?.map { $0.scalar?.string } == ["btcusd", "ethusd"])
        #expect(try YAMLNode.compose(yaml: "") == nil)
        #expect(try YAMLNode.compose(yaml: "# only a comment\n") == nil)
    }

    @Test func errorsSayWhere() {
        #expect(throws: YAMLError.self) { try YAMLNode.compose(yaml: "a: [1, 2\nb: 3\n") }
        do {
            _ = try YAMLNode.compose(yaml: "a: 1\nb: 2\na: 3\n")
            Issue.record("a repeated key is refused")
        } catch {
            #expect(error.description.contains("line 3") && error.description.contains("'a' appears twice"), "\(error)")
        }
        do {
            _ = try YAMLNode.compose(yaml: "a: 1\n---\nb: 2\n")
            Issue.record("a second document is refused")
        } catch {
            #expect(error.description.contains("only one YAML document"), "\(error)")
        }
        do {
            _ = try YAMLNode.compose(yaml: "key: value\n  bad: indentation\n")
            Issue.record("bad indentation is refused")
        } catch {
            #expect(error.line == 2, "\(error)")
        }
    }
}
