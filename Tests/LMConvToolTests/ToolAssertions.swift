import Foundation
import TestSupport
import XCTest

// Assertions the tool tests share: one-line errors, failures that leave no output, one-line JSON.
extension XCTestCase {
    func assertOneLineError(_ stderr: String, mentions parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(text.contains("\n"), "stderr is not one line: \(stderr)", file: file, line: line)
        XCTAssertTrue(text.hasPrefix("error: "), "stderr does not start with 'error: ': \(stderr)", file: file, line: line)
        for part in parts where !text.contains(part) {
            XCTFail("stderr \"\(text)\" does not mention \"\(part)\"", file: file, line: line)
        }
    }

    func assertFailure(_ r: ToolResult, mentions parts: [String], noOutput: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "expected failure; stdout: \(r.stdout)", file: file, line: line)
        assertOneLineError(r.stderr, mentions: parts, file: file, line: line)
        if let noOutput {
            XCTAssertFalse(FileManager.default.fileExists(atPath: noOutput), "\(noOutput) was created", file: file, line: line)
        }
    }

    func parseJSON(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "--json prints one line: \(text)", file: file, line: line)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], file: file, line: line)
    }
}
