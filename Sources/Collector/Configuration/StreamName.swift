/// Validation of stream names and symbols taken from configuration.
///
/// Names go on the wire and into logs, never into paths; still, only a conservative character set
/// is accepted so that nothing odd reaches either.
enum StreamName {
    static let maximumLength = 100

    static func validated(_ name: String, key: String) throws(ConfigurationError) -> String {
        guard name.unicodeScalars.contains(where: isAlphanumeric), name.count <= maximumLength,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (isAlphanumeric($0) || "!@_.-".unicodeScalars.contains($0)) }) else {
            throw .invalid(key: key, value: name, expected: "a stream name of at most \(maximumLength) characters from A-Z a-z 0-9 ! @ _ . -, such as !assetIndex@arr")
        }
        return name
    }

    static func validatedSymbol(_ symbol: String, key: String) throws(ConfigurationError) -> String {
        guard !symbol.isEmpty, symbol.count <= 40, symbol.unicodeScalars.allSatisfy({ $0.isASCII && (isAlphanumeric($0) || $0 == "_") }) else {
            throw .invalid(key: key, value: symbol, expected: "a symbol of letters, digits and '_', such as ADAUSD")
        }
        return symbol.lowercased()
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
