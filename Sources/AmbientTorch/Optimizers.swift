import AmbientCore
import CTorch
import Foundation

/// AdamW (Loshchilov & Hutter; the update of torch.optim.AdamW without amsgrad): per parameter
/// p ← p·(1 − lr·λ), m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
/// Parameters without a gradient (frozen or unused) are skipped, as in torch.
public final class AdamW {
    let handle: ctorch_adamw
    /// The parameters, in the order of the state tensors.
    public let parameters: [Tensor]

    public init(parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                eps: Float = 1e-8, weightDecay: Float = 1e-2) throws {
        let handles: [ctorch_tensor?] = parameters.map { $0.handle }
        guard let handle = ctorch_adamw_new(handles, Int32(handles.count), Double(learningRate), Double(betas.0),
                                            Double(betas.1), Double(eps), Double(weightDecay)) else {
            throw Tensor.failure("adamw", [], "\(parameters.count) parameters")
        }
        self.handle = handle
        self.parameters = parameters
    }

    deinit { ctorch_adamw_free(handle) }

    /// Settable between steps (schedules, warm-up).
    public var learningRate: Float {
        get { Float(ctorch_adamw_get_lr(handle)) }
        set { ctorch_adamw_set_lr(handle, Double(newValue)) }
    }

    /// Steps taken so far (t in the bias corrections).
    public var stepCount: Int { Int(ctorch_adamw_step_count(handle)) }

    /// One update from the parameters' current `.grad`.
    public func step() throws {
        try Tensor.check(status: ctorch_adamw_step(handle), "adamw.step", [])
    }

    /// Drops the gradients of all parameters.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// The optimizer state as tensors: `exp_avg.<i>` and `exp_avg_sq.<i>` per parameter index, plus
    /// `step` (a one-element tensor) — ready for `Safetensors.write`.
    public func stateTensors() throws -> [(String, Tensor)] {
        var out: [(String, Tensor)] = [("step", try Tensor(shape: [1], elements: [Float(stepCount)]))]
        for i in parameters.indices {
            out.append(("exp_avg.\(i)", try Tensor.check(ctorch_adamw_get_state(handle, Int32(i), 0), "adamw.state", [parameters[i]])))
            out.append(("exp_avg_sq.\(i)", try Tensor.check(ctorch_adamw_get_state(handle, Int32(i), 1), "adamw.state", [parameters[i]])))
        }
        return out
    }

    /// Restores state written by `stateTensors()`; shapes must match the parameters.
    public func loadState(_ tensors: [String: Tensor], subject: String = "optimizer state") throws {
        guard let stepTensor = tensors["step"] else { throw AmbientError(.badFormat, subject, "missing key step") }
        var averages: [Tensor] = [], squares: [Tensor] = []
        for i in parameters.indices {
            guard let m = tensors["exp_avg.\(i)"], let v = tensors["exp_avg_sq.\(i)"] else {
                throw AmbientError(.badFormat, subject, "missing exp_avg.\(i) or exp_avg_sq.\(i) (optimizer has \(parameters.count) parameters)")
            }
            averages.append(m)
            squares.append(v)
        }
        if tensors.count != 1 + 2 * parameters.count {
            throw AmbientError(.badFormat, subject, "holds \(tensors.count) tensors, expected \(1 + 2 * parameters.count) for \(parameters.count) parameters")
        }
        let step = Int64(try stepTensor.item().rounded())
        let mh: [ctorch_tensor?] = averages.map { $0.handle }, vh: [ctorch_tensor?] = squares.map { $0.handle }
        let status = ctorch_adamw_set_state(handle, step, mh, vh, Int32(parameters.count))
        if status < 0 {
            throw AmbientError(.badFormat, subject, String(cString: ctorch_last_error()))
        }
    }

    /// Saves the state to a safetensors file (float32; the step count is exact below 2²⁴).
    public func save(to url: URL) throws {
        try Safetensors.write(stateTensors(), to: url, dtype: .f32, metadata: ["format": "AmbientMRI AdamW state"])
    }

    public func load(from url: URL) throws {
        let file = try SafetensorsFile(url: url)
        var tensors: [String: Tensor] = [:]
        for name in file.names { tensors[name] = try file.tensor(name, device: parameters.first?.device ?? .cpu) }
        try loadState(tensors, subject: url.path)
    }
}
