import FoundationEssentials

/// An API key for `X-MBX-APIKEY`, read from the environment variable or the file a source names.
///
/// The key is only ever put into the request header: its description is redacted, so it can
/// reach no log line or error by accident.
struct APIKey: Sendable, CustomStringConvertible {
    let value: String

    var description: String { "<redacted>" }

    /// Why a source has no usable key; the text says what to do.
    enum Problem: Error, CustomStringConvertible {
        case missing(variable: String?)
        case unreadable(path: String, reason: String)
        case emptyFile(path: String)

        var description: String {
            switch self {
            case .missing(let variable):
                "no API key: set the environment variable \(variable ?? "named by api_key_env") or name a key file in api_key_file"
            case .unreadable(let path, let reason):
                "the API key file \(path) cannot be read (\(reason)); make it readable by the collector's user"
            case .emptyFile(let path):
                "the API key file \(path) is empty"
            }
        }
    }

    /// The key for `source`: its `api_key_file` if named, otherwise its `api_key_env` variable.
    /// `warning` hears about a key file other users can read.
    static func load(for source: RestSourceConfiguration, environment: [String: String],
                     warning: (String) -> Void) -> Result<APIKey, Problem> {
        if let path = source.apiKeyFile {
            let text: String
            do {
                text = try TextFile.read(path)
            } catch {
                return .failure(.unreadable(path: path, reason: error.reason))
            }
            let key = text.trimmingWhitespace
            guard !key.isEmpty else { return .failure(.emptyFile(path: path)) }
            if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o004 != 0 {
                warning("the API key file \(path) is readable by every user; chmod 600 it")
            }
            return .success(APIKey(value: key))
        }
        guard let variable = source.apiKeyEnvironment,
              let key = environment[variable]?.trimmingWhitespace, !key.isEmpty else {
            return .failure(.missing(variable: source.apiKeyEnvironment))
        }
        return .success(APIKey(value: key))
    }
}
