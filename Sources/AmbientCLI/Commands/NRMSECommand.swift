import AmbientCore
import Foundation

/// `ambient nrmse`: normalised root-mean-square error ‖x − ref‖ / ‖ref‖, like `bart nrmse`.
public enum NRMSECommand: Command {
    public static let name = "nrmse"
    public static let summary = "normalised RMS error of an array against a reference"
    public static let arguments = "<reference> <input>"
    public static let discussion = """
        Prints ‖input − reference‖ / ‖reference‖. With --tolerance, exits with status 1 when the error is larger
        (for scripted checks, like `bart nrmse -t`). With --scale, the input is first scaled by the least-squares
        optimal complex factor (like `bart nrmse -s`).
        """
    public static let options = [
        OptionSpec(nil, "tolerance", value: "T", help: "fail (exit 1) when NRMSE > T"),
        OptionSpec(nil, "scale", help: "scale the input optimally before comparing"),
    ]

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<reference>", "<input>"])
        let reference = try ArrayFiles.readComplex(paths[0])
        var input = try ArrayFiles.readComplex(paths[1])
        guard reference.count == input.count else {
            throw AmbientError(.badShape, paths[1], "shape \(input.shape) does not match the reference \(paths[0]) shape \(reference.shape)")
        }
        input = input.reshaped(reference.shape)
        try reference.requireFinite(paths[0])
        try input.requireFinite(paths[1])
        if args.flag("scale") {
            let denominator = input.normSquared
            if denominator > 0 { input = input * (input.dot(reference) / Float(denominator)) }
        }
        let error = (input - reference).norm / max(reference.norm, .leastNonzeroMagnitude)
        print(String(format: "%.6g", error))
        if let tolerance = try args.float("tolerance"), error > Double(tolerance) {
            throw AmbientError(.numerical, paths[1], String(format: "NRMSE %.6g exceeds the tolerance %g", error, tolerance))
        }
    }
}
