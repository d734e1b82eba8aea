import CFFTW
import Foundation

/// Centred, unitary 2-D FFTs over the last two axes, batched over all leading axes.
///
/// Centred: the zero frequency sits at index ⌊N/2⌋ on each axis, in both domains
/// (fftshift ∘ FFT ∘ ifftshift). Unitary: scaled by 1/√(H·W), so ‖F x‖ = ‖x‖ and Fᴴ = F⁻¹.
/// This matches `bart fft -u 3`, SigPy's `fft(center=True, norm="ortho")` and fastMRI's `fft2c`.
public enum FFT {
    /// Forward centred unitary FFT of every [H, W] plane.
    public static func forward(_ x: ComplexArray) -> ComplexArray { transform(x, sign: FFTW_FORWARD) }

    /// Inverse centred unitary FFT of every [H, W] plane.
    public static func inverse(_ x: ComplexArray) -> ComplexArray { transform(x, sign: FFTW_BACKWARD) }

    /// Threads FFTW may use for large transforms (defaults to all cores).
    public static var threads: Int {
        get { FFTPlanCache.shared.threads }
        set { FFTPlanCache.shared.threads = max(1, newValue) }
    }

    static func transform(_ x: ComplexArray, sign: Int32) -> ComplexArray {
        precondition(x.rank >= 2, "FFT: needs at least 2 axes, got shape \(x.shape)")
        let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
        let batch = x.count / max(h * w, 1)
        if x.count == 0 { return x }
        var out = ComplexArray(unsafeUninitializedShape: x.shape)  // modulate/roll writes every element
        let evenPlane = h % 2 == 0 && w % 2 == 0
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if evenPlane {
                    // For even N, ifftshift before the DFT is a (−1)^n modulation of the input
                    // and fftshift after it a (−1)^(k+N/2) modulation of the output: no copies.
                    modulate(src: src, dst: dst, h: h, w: w, batch: batch, scale: 1)
                } else {
                    roll(src: src, dst: dst, h: h, w: w, batch: batch, shiftY: -(h / 2), shiftX: -(w / 2))
                }
                let plan = FFTPlanCache.shared.plan(h: h, w: w, batch: batch, sign: sign)
                dst.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: dst.count) { p in
                    fftwf_execute_dft(plan, p, p)
                }
                let scale = 1 / Float(h * w).squareRoot()
                if evenPlane {
                    let flip: Float = ((h / 2 + w / 2) % 2 == 0) ? 1 : -1
                    modulateInPlace(dst, h: h, w: w, batch: batch, scale: scale * flip)
                } else {
                    let tmp = Array(dst)
                    tmp.withUnsafeBufferPointer { t in
                        roll(src: t, dst: dst, h: h, w: w, batch: batch, shiftY: h / 2, shiftX: w / 2)
                    }
                    for i in 0..<dst.count { dst[i] *= scale }
                }
            }
        }
        return out
    }

    /// dst[b, y, x] = src[b, y, x] · (−1)^(y+x) · scale
    private static func modulate(src: UnsafeBufferPointer<Complex32>, dst: UnsafeMutableBufferPointer<Complex32>,
                                 h: Int, w: Int, batch: Int, scale: Float) {
        for b in 0..<batch {
            for y in 0..<h {
                let row = (b * h + y) * w
                var s: Float = (y % 2 == 0) ? scale : -scale
                for x in 0..<w { dst[row + x] = src[row + x] * s; s = -s }
            }
        }
    }

    private static func modulateInPlace(_ p: UnsafeMutableBufferPointer<Complex32>, h: Int, w: Int, batch: Int, scale: Float) {
        for b in 0..<batch {
            for y in 0..<h {
                let row = (b * h + y) * w
                var s: Float = (y % 2 == 0) ? scale : -scale
                for x in 0..<w { p[row + x] *= s; s = -s }
            }
        }
    }

    /// Circular shift of each plane: dst[y + shiftY, x + shiftX] = src[y, x] (indices mod H, W).
    static func roll(src: UnsafeBufferPointer<Complex32>, dst: UnsafeMutableBufferPointer<Complex32>,
                     h: Int, w: Int, batch: Int, shiftY: Int, shiftX: Int) {
        let sy = ((shiftY % h) + h) % h, sx = ((shiftX % w) + w) % w
        for b in 0..<batch {
            let base = b * h * w
            for y in 0..<h {
                let ty = (y + sy) % h
                for x in 0..<w {
                    dst[base + ty * w + (x + sx) % w] = src[base + y * w + x]
                }
            }
        }
    }
}

/// FFTW plans, created once per (plane shape, batch, direction) and reused.
/// FFTW's planner is not thread-safe, so planning is serialised; executing a plan on new
/// arrays (`fftwf_execute_dft`) is, and happens outside the lock.
///
/// Plans are measured (FFTW_MEASURE: up to 20× faster transforms than FFTW_ESTIMATE for some
/// sizes here), and what FFTW learns is kept as wisdom in `$XDG_CACHE_HOME/ambient/` (or
/// `~/.cache/ambient/`), so only the first run on a new size pays for measuring.
/// AMBIENT_FFTW_PLANNER=estimate plans without measuring and without the cache.
final class FFTPlanCache: @unchecked Sendable {
    static let shared = FFTPlanCache()

    private struct Key: Hashable { let h, w, batch: Int; let sign: Int32; let threads: Int }
    private let lock = NSLock()
    private var plans: [Key: fftwf_plan] = [:]
    private var _threads = ProcessInfo.processInfo.activeProcessorCount
    private let measure = ProcessInfo.processInfo.environment["AMBIENT_FFTW_PLANNER"] != "estimate"
    private let wisdomPath: String?

    var threads: Int {
        get { lock.lock(); defer { lock.unlock() }; return _threads }
        set { lock.lock(); _threads = newValue; lock.unlock() }
    }

    private init() {
        fftwf_init_threads()
        let env = ProcessInfo.processInfo.environment
        if measure, let base = env["XDG_CACHE_HOME"] ?? env["HOME"].map({ $0 + "/.cache" }) {
            let folder = base + "/ambient"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            wisdomPath = folder + "/fftwf-wisdom"
            _ = fftwf_import_wisdom_from_filename(wisdomPath!)  // absent or stale: planning measures anew
        } else {
            wisdomPath = nil
        }
    }

    func plan(h: Int, w: Int, batch: Int, sign: Int32) -> fftwf_plan {
        lock.lock()
        defer { lock.unlock() }
        // Threads only pay off on large batches; small planes stay single-threaded.
        let nthreads = h * w * batch >= 1 << 16 ? _threads : 1
        let key = Key(h: h, w: w, batch: batch, sign: sign, threads: nthreads)
        if let plan = plans[key] { return plan }
        fftwf_plan_with_nthreads(Int32(nthreads))
        let count = h * w * batch
        // Plan on scratch memory from fftwf_malloc (aligned like our 64-byte storage):
        // measuring overwrites the arrays it plans on.
        let scratch = fftwf_alloc_complex(count)!
        defer { fftwf_free(scratch) }
        var dims: [Int32] = [Int32(h), Int32(w)]
        let plan = fftwf_plan_many_dft(2, &dims, Int32(batch), scratch, nil, 1, Int32(h * w),
                                       scratch, nil, 1, Int32(h * w), sign, measure ? FFTW_MEASURE : FFTW_ESTIMATE)!
        plans[key] = plan
        if let wisdomPath { saveWisdom(to: wisdomPath) }
        return plan
    }

    /// Writes the accumulated wisdom atomically (temporary file + rename), so concurrent
    /// processes never read half a file.
    private func saveWisdom(to path: String) {
        let temporary = "\(path).tmp-\(getpid())"
        if fftwf_export_wisdom_to_filename(temporary) != 0 {
            rename(temporary, path)
        } else {
            unlink(temporary)
        }
    }
}
