import Glibc

/// Folder creation that makes each new folder's name durable.
enum Directories {
    static func create(_ path: String) throws(StorageError) {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o750) == 0 {
                try AppendOnlyFile.syncDirectory(containing: built)
            } else if errno != EEXIST {
                throw StorageError(operation: "create folder", path: built, code: errno)
            }
        }
    }
}
