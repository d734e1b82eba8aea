import AmbientCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element tree, enough to read ISMRMRD headers (no namespaces, no mixed content).
public final class XMLTreeNode: @unchecked Sendable {
    public let name: String
    public internal(set) var text: String = ""
    public internal(set) var children: [XMLTreeNode] = []

    init(name: String) { self.name = name }

    /// The first descendant along a path of element names, e.g. "encoding/reconSpace/matrixSize/x".
    public func element(_ path: String) -> XMLTreeNode? {
        var node: XMLTreeNode? = self
        for part in path.split(separator: "/") { node = node?.children.first { $0.name == part } }
        return node
    }

    public func all(_ name: String) -> [XMLTreeNode] { children.filter { $0.name == name } }

    public func string(_ path: String) -> String? { element(path).map { $0.text.trimmingWhitespace } }
    public func int(_ path: String) -> Int? { string(path).flatMap { Int($0) ?? Double($0).map { Int($0) } } }
    public func double(_ path: String) -> Double? { string(path).flatMap { Double($0) } }

    /// Parses an XML document; throws `.badFormat` naming `subject` with the parser's reason.
    public static func parse(_ xml: String, subject: String) throws -> XMLTreeNode {
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw AmbientError(.badFormat, subject, "invalid XML header (line \(parser.lineNumber)): \(reason)")
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: XMLTreeNode?
        var stack: [XMLTreeNode] = []

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            let element = XMLTreeNode(name: elementName)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}

/// The fields of an ISMRMRD XML header that reconstruction needs (first `<encoding>`).
/// fastMRI files carry the same header as the `ismrmrd_header` dataset.
public struct MRDHeader: Codable, Sendable, Equatable {
    /// Encoded (acquired) matrix [x = readout, y = phase encode, z].
    public var encodedMatrix: [Int]
    /// Reconstructed matrix [x, y, z]: the image after oversampling removal.
    public var reconMatrix: [Int]
    public var encodedFieldOfViewMM: [Double]
    public var reconFieldOfViewMM: [Double]
    /// kspace_encoding_step_1 limits (minimum, maximum, centre), when given.
    public var encodeStep1Limits: [Int]?
    public var trajectory: String?
    public var receiverChannels: Int?
    public var systemVendor: String?
    public var systemModel: String?
    public var fieldStrengthT: Double?
    public var sequenceName: String?
    public var repetitionTimeMS: Double?
    public var echoTimeMS: Double?

    /// Parses the header; `subject` names the file in errors.
    public init(xml: String, subject: String) throws {
        let root = try XMLTreeNode.parse(xml, subject: subject)
        guard root.name == "ismrmrdHeader" else {
            throw AmbientError(.badFormat, subject, "header root is <\(root.name)>, expected <ismrmrdHeader>")
        }
        guard let encoding = root.element("encoding") else {
            throw AmbientError(.badFormat, subject, "header has no <encoding>")
        }
        func triple(_ path: String) throws -> [Int] {
            guard let x = encoding.int("\(path)/x"), let y = encoding.int("\(path)/y") else {
                throw AmbientError(.badFormat, subject, "header lacks encoding/\(path)/{x,y}")
            }
            return [x, y, encoding.int("\(path)/z") ?? 1]
        }
        func fov(_ path: String) -> [Double] {
            ["x", "y", "z"].map { encoding.double("\(path)/\($0)") ?? 0 }
        }
        encodedMatrix = try triple("encodedSpace/matrixSize")
        reconMatrix = try triple("reconSpace/matrixSize")
        encodedFieldOfViewMM = fov("encodedSpace/fieldOfView_mm")
        reconFieldOfViewMM = fov("reconSpace/fieldOfView_mm")
        if let limits = encoding.element("encodingLimits/kspace_encoding_step_1"),
           let lo = limits.int("minimum"), let hi = limits.int("maximum") {
            encodeStep1Limits = [lo, hi, limits.int("center") ?? (lo + hi + 1) / 2]
        }
        trajectory = encoding.string("trajectory")
        receiverChannels = root.int("acquisitionSystemInformation/receiverChannels")
        systemVendor = root.string("acquisitionSystemInformation/systemVendor")
        systemModel = root.string("acquisitionSystemInformation/systemModel")
        fieldStrengthT = root.double("acquisitionSystemInformation/systemFieldStrength_T")
        sequenceName = root.string("sequenceParameters/sequence_type") ?? root.string("measurementInformation/protocolName")
        repetitionTimeMS = root.double("sequenceParameters/TR")
        echoTimeMS = root.double("sequenceParameters/TE")
    }

    /// fastMRI's crop size for reconstructions: (rows, columns) = (recon x, recon y).
    public var cropSize: [Int] { [reconMatrix[0], reconMatrix[1]] }
}
