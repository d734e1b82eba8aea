import AmbientCore
import CHDF5

/// Process-wide HDF5 set-up and the translation of HDF5's error stack into `AmbientError`.
enum HDF5Library {
    /// HDF5 prints its error stack to stderr by default; we turn that off once and report
    /// the stack ourselves as part of a thrown error instead.
    private static let initialized: Void = {
        _ = H5open()
        _ = H5Eset_auto2(ambient_H5E_DEFAULT(), nil, nil)
    }()

    static func ensureInitialized() { _ = initialized }

    /// The messages on the current error stack (outermost call first), then clears it.
    /// The outermost says what failed ("unable to open file"), the innermost why
    /// ("file signature not found"); both are kept, middle layers dropped.
    static func takeErrorMessage() -> String {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { context in
            _ = H5Ewalk2(ambient_H5E_DEFAULT(), H5E_WALK_DOWNWARD, { _, description, clientData in
                guard let description, let clientData else { return 0 }
                let list = clientData.assumingMemoryBound(to: [String].self)
                if let text = description.pointee.desc {
                    let message = String(cString: text).trimmingWhitespace
                    if !message.isEmpty && list.pointee.last != message { list.pointee.append(message) }
                }
                return 0
            }, context)
        }
        _ = H5Eclear2(ambient_H5E_DEFAULT())
        switch messages.count {
        case 0: return "HDF5 reported no detail"
        case 1: return messages[0]
        default: return "\(messages[0]) (\(messages[messages.count - 1]))"
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}

/// Throws an `AmbientError` with HDF5's own explanation when an id-returning call failed.
@discardableResult
func h5check(_ id: hid_t, _ kind: AmbientError.Kind, _ subject: String, _ what: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw AmbientError(kind, subject, "\(what()): \(HDF5Library.takeErrorMessage())") }
    return id
}

/// Throws an `AmbientError` with HDF5's own explanation when a status-returning call failed.
func h5check(_ status: herr_t, _ kind: AmbientError.Kind, _ subject: String, _ what: @autoclosure () -> String) throws {
    if status < 0 { throw AmbientError(kind, subject, "\(what()): \(HDF5Library.takeErrorMessage())") }
}

/// Runs `body` with a freshly created id and closes it afterwards on every path
/// (the closure-scoped pattern of swift-system's `closeAfter`).
func closeAfter<R>(_ id: hid_t, _ close: (hid_t) -> herr_t, _ body: (hid_t) throws -> R) rethrows -> R {
    defer { _ = close(id) }
    return try body(id)
}

/// Owns one HDF5 id for as long as a Swift object holds it; closes it in `deinit`.
final class HDF5Handle: @unchecked Sendable {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}
