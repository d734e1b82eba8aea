import Foundation
import XCTest

/// docs/cli.md is generated from --help (scripts/gen-cli-doc.sh); this fails when a command's
/// help changed without regenerating it.
final class DocsTests: XCTestCase {
    func testCLIReferenceMatchesHelp() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let dir = try CLI.temporaryDirectory("docs")
        let ml = CLI.executable.deletingLastPathComponent().appendingPathComponent("ambient-ml")
        let main = try CLI.runTool(ml, ["--help"], in: dir).stdout
        XCTAssertTrue(doc.contains(main), "docs/cli.md lacks the current `ambient --help`: run scripts/gen-cli-doc.sh")
        let names = main.split(separator: "\n").drop { !$0.hasPrefix("Commands:") }.dropFirst()
            .prefix { $0.hasPrefix("  ") }.map { String($0.split(separator: " ")[0]) }
        XCTAssertGreaterThan(names.count, 10)
        for name in names {
            let help = try CLI.runTool(ml, [name, "--help"], in: dir).stdout
            XCTAssertTrue(doc.contains(help), "docs/cli.md is stale for `ambient \(name)`: run scripts/gen-cli-doc.sh")
        }
    }
}
