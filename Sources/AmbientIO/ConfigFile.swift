import AmbientCore
import Foundation

/// JSON configuration files (protocols, training options, run records): snake_case keys,
/// sorted and pretty-printed on write so they diff well, written atomically.
public enum ConfigFile {
    public static func load<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AmbientError(.fileNotFound, path, "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw AmbientError(.unreadable, path, error.localizedDescription)
        }
        return try decode(type, from: data, source: path)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, source: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw AmbientError(.badFormat, source, "missing key '\(snake(key.stringValue))' at \(path(context))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw AmbientError(.badFormat, source, "wrong value at \(path(context)): \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw AmbientError(.badFormat, source, "invalid JSON at \(path(context)): \(context.debugDescription)")
        } catch {
            throw AmbientError(.badFormat, source, "\(error)")
        }
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    public static func save<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicWrite.write(try encode(value), to: path)
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".")
        return p.isEmpty ? "the top level" : p
    }

    private static func snake(_ s: String) -> String {
        var out = ""
        for c in s {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
