import Foundation

/// A throwaway certificate authority and a server certificate for `localhost` / 127.0.0.1,
/// made with the `openssl` command in a temporary folder.
struct TestCertificates {
    let folder: URL
    var caPath: String { folder.appendingPathComponent("ca.pem").path }
    var certificatePath: String { folder.appendingPathComponent("server.pem").path }
    var keyPath: String { folder.appendingPathComponent("server.key").path }

    static func make() throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("test-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
            .write(to: folder.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        let steps = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "2", "-subj", "/CN=stream-collector test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
        ]
        for arguments in steps { try openssl(arguments, in: folder) }
        return TestCertificates(folder: folder)
    }

    /// A CA directory laid out as a system store is (`openssl rehash`: each root under its
    /// subject hash) holding this test CA, in the certificates' folder; `empty` leaves it bare.
    func systemStore(empty: Bool = false) throws -> String {
        let store = folder.appendingPathComponent(empty ? "empty-store" : "store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        guard !empty else { return store.path }
        try FileManager.default.copyItem(atPath: caPath, toPath: store.appendingPathComponent("test-ca.pem").path)
        try Self.openssl(["rehash", store.path], in: folder)
        return store.path
    }

    private static func openssl(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("openssl \(arguments.joined(separator: " ")) failed (is the openssl package installed?)")
        }
    }
}
