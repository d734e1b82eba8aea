import AmbientCore

/// Mask options shared by `mask`, `undersample`, `simulate`: one description of a mask on the
/// command line, turned into a `MaskSpec` (the same type protocols use).
public enum MaskOptions {
    public static let specs: [OptionSpec] = [
        OptionSpec(nil, "type", value: "KIND", help: "cartesian-random | cartesian-equispaced | poisson | pixels | boxes | full"),
        CommonOptions.acceleration,
        OptionSpec(nil, "center-fraction", value: "F", help: "fraction of columns in the fully sampled centre (Cartesian)"),
        OptionSpec(nil, "acs", value: "N", help: "number of fully sampled centre columns (Cartesian) or calibration size (poisson)"),
        OptionSpec(nil, "missing", value: "P", help: "probability that a pixel is missing (pixels)"),
        OptionSpec(nil, "boxes", value: "N", help: "number of boxes (boxes)"),
        OptionSpec(nil, "box-size", value: "HxW", help: "box size (boxes)"),
    ]

    /// The mask described by the options, or `fallback` (e.g. from a protocol) when --type is absent.
    public static func spec(_ args: ParsedArguments, fallback: MaskSpec? = nil) throws -> MaskSpec? {
        guard let type = args.string("type") else {
            if args.has("acceleration") || args.has("acs") || args.has("center-fraction"), var spec = fallback {
                spec = try override(spec, args)
                return spec
            }
            return fallback
        }
        let r = try args.float("acceleration").map(Double.init)
        let f = try args.float("center-fraction").map(Double.init)
        let acs = try args.int("acs")
        func needR() throws -> Double {
            guard let r else { throw AmbientError(.badArgument, "", "--type \(type) needs --acceleration") }
            return r
        }
        switch type {
        case "cartesian-random":
            return .cartesianRandom(acceleration: try needR(), centerFraction: f ?? (acs == nil ? 0.08 : nil), acsLines: acs)
        case "cartesian-equispaced":
            return .cartesianEquispaced(acceleration: try needR(), centerFraction: f ?? (acs == nil ? 0.08 : nil), acsLines: acs)
        case "poisson":
            return .poisson(acceleration: try needR(), calibration: acs ?? 24)
        case "pixels":
            guard let p = try args.float("missing") else { throw AmbientError(.badArgument, "", "--type pixels needs --missing P") }
            return .randomPixels(missingProbability: Double(p))
        case "boxes":
            let (h, w) = try size(args.string("box-size") ?? "8x8", option: "box-size", command: args.command)
            return .boxes(count: try args.int("boxes") ?? 1, height: h, width: w)
        case "full":
            return .full
        default:
            throw AmbientError(.badArgument, "", "unknown mask --type '\(type)' (cartesian-random, cartesian-equispaced, poisson, pixels, boxes, full)")
        }
    }

    /// Command-line acceleration / ACS values replacing a protocol's.
    public static func override(_ spec: MaskSpec, _ args: ParsedArguments) throws -> MaskSpec {
        let r = try args.float("acceleration").map(Double.init)
        let f = try args.float("center-fraction").map(Double.init)
        let acs = try args.int("acs")
        switch spec {
        case let .cartesianRandom(r0, f0, a0):
            return .cartesianRandom(acceleration: r ?? r0, centerFraction: acs != nil ? nil : (f ?? f0), acsLines: f != nil ? nil : (acs ?? a0))
        case let .cartesianEquispaced(r0, f0, a0):
            return .cartesianEquispaced(acceleration: r ?? r0, centerFraction: acs != nil ? nil : (f ?? f0), acsLines: f != nil ? nil : (acs ?? a0))
        case let .poisson(r0, c0):
            return .poisson(acceleration: r ?? r0, calibration: acs ?? c0)
        default:
            return spec
        }
    }

    /// "64x48" → (64, 48); "64" → (64, 64).
    public static func size(_ text: String, option: String, command: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x").map { Int($0) }
        if parts.count == 1, let n = parts[0], n > 0 { return (n, n) }
        guard parts.count == 2, let h = parts[0], let w = parts[1], h > 0, w > 0 else {
            throw AmbientError(.badArgument, "", "--\(option) expects HxW like 64x64, got '\(text)'")
        }
        return (h, w)
    }
}
