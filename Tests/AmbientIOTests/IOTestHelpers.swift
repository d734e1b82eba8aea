import AmbientCore
import Foundation
import XCTest

/// A fresh temporary directory, removed by the test's teardown.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "ambient-io-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// The repository root (this file is Tests/AmbientIOTests/IOTestHelpers.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Runs a program and returns its standard output; nil when it cannot be started or fails.
@discardableResult
func runProgram(_ executable: String, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// Runs scripts/fixtures/io_make_fixtures.py (h5py); skips the test when python3 + h5py are missing.
func runFixtureScript(_ arguments: [String]) throws -> [String: Any] {
    guard runProgram("python3", ["-c", "import h5py, numpy"]) != nil else {
        throw XCTSkip("python3 with h5py and numpy not available (pip install h5py)")
    }
    let script = repositoryRoot + "/scripts/fixtures/io_make_fixtures.py"
    guard let output = runProgram("python3", [script] + arguments),
          let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
        XCTFail("fixture script failed: \(arguments)")
        return [:]
    }
    return json
}

/// Asserts that `body` throws an `AmbientError` of `kind` whose text mentions each of `mentions`.
func assertAmbientError<T>(_ kind: AmbientError.Kind, mentioning mentions: [String], file: StaticString = #filePath, line: UInt = #line,
                           _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an AmbientError (\(kind.rawValue))", file: file, line: line)
    } catch let error as AmbientError {
        XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        for text in mentions {
            XCTAssertTrue(error.description.contains(text), "error '\(error)' does not mention '\(text)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected an AmbientError, got \(error)", file: file, line: line)
    }
}
