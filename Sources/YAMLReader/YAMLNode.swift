import CYAML

/// One YAML document as a tree of scalars, sequences and mappings, read by Debian's libyaml
/// (its event parser; nothing here parses YAML by hand). JSON text is YAML, so it reads too.
///
/// Scalars keep their text as written (no type is guessed: `1`, `true` and `null` are text);
/// mappings keep their keys in order; anchors and aliases are resolved; tags are ignored.
public indirect enum YAMLNode: Sendable {
    case scalar(Scalar)
    case sequence([YAMLNode])
    case mapping([(key: YAMLNode, value: YAMLNode)])

    /// A scalar's text, and whether it was written plain (not quoted, not a block).
    public struct Scalar: Sendable, Equatable {
        public let string: String
        public let isPlain: Bool

        public init(string: String, isPlain: Bool = true) {
            self.string = string
            self.isPlain = isPlain
        }
    }

    public var scalar: Scalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = self { return items }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = self { return pairs }
        return nil
    }

    /// The node in YAML's flow style, for messages: `a`, `[a, b]`, `{k: v}`.
    public var flowText: String {
        switch self {
        case .scalar(let scalar): scalar.isPlain ? scalar.string : "\"\(scalar.string)\""
        case .sequence(let items): "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs): "{" + pairs.map { "\($0.key.flowText): \($0.value.flowText)" }.joined(separator: ", ") + "}"
        }
    }

    /// The document in `yaml`, or nil when it holds none (empty, or only comments).
    public static func compose(yaml: String) throws(YAMLError) -> YAMLNode? {
        var bytes = Array(yaml.utf8)
        if bytes.isEmpty { bytes = [0x0A] }
        let result: Result<YAMLNode?, YAMLError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return .failure(YAMLError(problem: "libyaml could not start (out of memory)")) }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var composer = Composer()
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return .failure(YAMLError(parser)) }
                defer { yaml_event_delete(&event) }
                do throws(YAMLError) {
                    if try composer.take(event) { return .success(composer.document) }
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }
}

/// Why a YAML text could not be read, with where.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    public let problem: String
    /// 1-based; nil when libyaml gave no position.
    public let line: Int?
    public let column: Int?

    init(problem: String, line: Int? = nil, column: Int? = nil) {
        self.problem = problem
        self.line = line
        self.column = column
    }

    init(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        let context = parser.context.map { String(cString: $0) + ": " } ?? ""
        self.init(problem: context + problem, line: parser.problem_mark.line + 1, column: parser.problem_mark.column + 1)
    }

    init(_ problem: String, at mark: yaml_mark_t) {
        self.init(problem: problem, line: mark.line + 1, column: mark.column + 1)
    }

    public var description: String {
        guard let line, let column else { return problem }
        return "line \(line), column \(column): \(problem)"
    }
}

/// Builds nodes from libyaml's events.
private struct Composer {
    private enum Open {
        case sequence(anchor: String?, items: [YAMLNode])
        case mapping(anchor: String?, pairs: [(key: YAMLNode, value: YAMLNode)], pendingKey: YAMLNode?)
    }

    private var stack: [Open] = []
    private var anchors: [String: YAMLNode] = [:]
    private var documents = 0
    private(set) var document: YAMLNode?

    /// Takes one event; true once the stream has ended.
    mutating func take(_ event: yaml_event_t) throws(YAMLError) -> Bool {
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 { throw YAMLError("only one YAML document is expected; remove the second '---'", at: event.start_mark) }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            try add(.scalar(YAMLNode.Scalar(string: text, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE)),
                    anchor: Self.text(scalar.anchor), at: event.start_mark)
        case YAML_ALIAS_EVENT:
            let name = Self.text(event.data.alias.anchor) ?? ""
            guard let node = anchors[name] else { throw YAMLError("the alias *\(name) names no anchor before it", at: event.start_mark) }
            try add(node, anchor: nil, at: event.start_mark)
        case YAML_SEQUENCE_START_EVENT:
            stack.append(.sequence(anchor: Self.text(event.data.sequence_start.anchor), items: []))
        case YAML_MAPPING_START_EVENT:
            stack.append(.mapping(anchor: Self.text(event.data.mapping_start.anchor), pairs: [], pendingKey: nil))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            switch stack.removeLast() {
            case .sequence(let anchor, let items): try add(.sequence(items), anchor: anchor, at: event.start_mark)
            case .mapping(let anchor, let pairs, _): try add(.mapping(pairs), anchor: anchor, at: event.start_mark)
            }
        default:
            break
        }
        return false
    }

    private mutating func add(_ node: YAMLNode, anchor: String?, at mark: yaml_mark_t) throws(YAMLError) {
        if let anchor { anchors[anchor] = node }
        guard let open = stack.popLast() else {
            document = node
            return
        }
        switch open {
        case .sequence(let anchor, var items):
            items.append(node)
            stack.append(.sequence(anchor: anchor, items: items))
        case .mapping(let anchor, var pairs, let pendingKey):
            if let key = pendingKey {
                if let name = key.scalar?.string, pairs.contains(where: { $0.key.scalar?.string == name }) {
                    throw YAMLError("the key '\(name)' appears twice in one mapping", at: mark)
                }
                pairs.append((key, node))
                stack.append(.mapping(anchor: anchor, pairs: pairs, pendingKey: nil))
            } else {
                stack.append(.mapping(anchor: anchor, pairs: pairs, pendingKey: node))
            }
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
