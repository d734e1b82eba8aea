/// User-facing errors: each names the file (or input) and what is wrong with it, so that the
/// command line can print one clear line and a batch can go on with the next file.
public struct AmbientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case fileNotFound = "file not found"
        case unreadable = "cannot read"
        case unwritable = "cannot write"
        case badFormat = "bad format"
        case badShape = "bad shape"
        case badValue = "bad value"
        case badArgument = "bad argument"
        case unsupported = "unsupported"
        case numerical = "numerical error"
        case backend = "backend error"
    }

    public let kind: Kind
    /// The file, dataset or option the problem is in ("" when there is none).
    public let subject: String
    public let message: String

    public init(_ kind: Kind, _ subject: String, _ message: String) {
        self.kind = kind
        self.subject = subject
        self.message = message
    }

    public var description: String { subject.isEmpty ? message : "\(subject): \(message)" }
}

extension NDArray {
    /// Throws a clear error when the array holds NaN or ±Inf (input validation).
    public func requireFinite(_ subject: String, what: String = "data") throws {
        if let bad = firstNonFiniteIndex {
            throw AmbientError(.badValue, subject, "\(what) contains NaN or Inf (first at index \(multiIndex(ofFlat: bad)) of shape \(shape))")
        }
    }
}
