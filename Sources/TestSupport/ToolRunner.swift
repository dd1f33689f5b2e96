import Foundation

/// What a run of the built `lmconv` executable printed and returned.
public struct ToolResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// The non-empty lines of stderr.
    public var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
}

/// The built `lmconv` executable: `$LMCONV_TOOL`, or the one SwiftPM built beside the test bundle
/// (`.build/<configuration>/lmconv`; `swift test` builds it). Tests that use it fail, never skip, when it is missing.
public let lmconvExecutable: URL = {
    if let path = ProcessInfo.processInfo.environment["LMCONV_TOOL"] { return URL(fileURLWithPath: path) }
    var candidates: [URL] = []
    let starts = Bundle.allBundles.map(\.bundleURL) + [URL(fileURLWithPath: CommandLine.arguments.first ?? ".")]
    for start in starts {
        // The .xctest bundle (a directory on macOS, the test executable on Linux) or a file inside it.
        var url = start.standardizedFileURL
        while url.path != "/" && url.pathExtension != "xctest" { url.deleteLastPathComponent() }
        if url.pathExtension == "xctest" { candidates.append(url.deletingLastPathComponent().appendingPathComponent("lmconv")) }
        candidates.append(start.deletingLastPathComponent().appendingPathComponent("lmconv"))
    }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) && !isDirectory($0) }
        ?? candidates.first ?? URL(fileURLWithPath: "lmconv")
}()

private func isDirectory(_ url: URL) -> Bool {
    var d: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &d) && d.boolValue
}

/// Runs `lmconv` with `arguments` and standard input closed, with `environment` added to this process's;
/// returns its exit status, stdout and stderr.
public func runLMConv(_ arguments: [String], environment: [String: String] = [:]) throws -> ToolResult {
    let process = Process()
    process.executableURL = lmconvExecutable
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    // Output goes to files rather than pipes, so a chatty child can never block on a full pipe.
    let temporary = FileManager.default.temporaryDirectory
    let outURL = temporary.appendingPathComponent("lmconv-out-\(UUID().uuidString)")
    let errURL = temporary.appendingPathComponent("lmconv-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return ToolResult(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}
