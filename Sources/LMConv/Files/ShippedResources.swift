import Foundation

/// Where the files that ship with the package are found: the model folders of Sources/LMConv/Resources, which
/// SwiftPM copies beside the executable.
public enum ShippedResources {
    /// The places a resource folder is looked for, in order: the directory in `environmentVariable` if set; the
    /// resource folder beside the executable (`swift-lmconv_LMConv.resources/FOLDER`, or an Apple bundle's); the
    /// package's source tree (Sources/LMConv/Resources/FOLDER), for builds run where they were made.
    public static func searchDirectories(folder: String, environmentVariable: String) -> [String] {
        var directories: [String] = []
        if let custom = ProcessInfo.processInfo.environment[environmentVariable], !custom.isEmpty { directories.append(custom) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for bundle in ["swift-lmconv_LMConv.resources", "swift-lmconv_LMConv.bundle/Contents/Resources", "swift-lmconv_LMConv.bundle"] {
            directories.append(executable.appendingPathComponent(bundle).appendingPathComponent(folder).path)
        }
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        directories.append(sources.appendingPathComponent("Resources").appendingPathComponent(folder).path)
        return directories
    }

    /// The first of `directories` that holds `fileName`, as a path, or nil.
    public static func find(_ fileName: String, in directories: [String]) -> String? {
        directories.map { ($0 as NSString).appendingPathComponent(fileName) }
            .first { FileManager.default.fileExists(atPath: $0) }
    }
}
