import AmbientCore
import Foundation

/// Command-line inputs: files as given, folders expanded to the files inside them with one of
/// `extensions` (sorted by name, not recursive, hidden files skipped).
public enum InputFiles {
    public static func expand(_ inputs: [String], extensions: Set<String>) throws -> [String] {
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory)
                    || FileManager.default.fileExists(atPath: input + ".hdr") else {
                throw AmbientError(.fileNotFound, input, "no such file or folder")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: input).sorted()
                files += names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
                    .map { (input as NSString).appendingPathComponent($0) }
            } else {
                files.append(input)
            }
        }
        return files
    }
}
