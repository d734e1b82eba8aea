import AmbientCore
import CPNG
import Foundation

/// PNG reading and writing through libpng's simplified API (`png_image_*`), which reports errors in
/// the image struct instead of longjmp-ing, so no C error handling crosses into Swift.
public enum PNG {
    public enum BitDepth: Int, Sendable, Codable { case eight = 8, sixteen = 16 }

    /// Writes a grayscale image [H, W] whose values in [0, 1] map to black…white (clipped; NaN → 0).
    public static func write(gray image: RealArray, to path: String, bitDepth: BitDepth = .eight) throws {
        guard image.rank == 2 else { throw AmbientError(.badShape, path, "PNG needs an [H, W] image, got \(image.shape)") }
        let (h, w) = (image.shape[0], image.shape[1])
        let values = image.elements.map { $0.isNaN ? 0 : min(max($0, 0), 1) }
        switch bitDepth {
        case .eight:
            let pixels = values.map { UInt8(($0 * 255).rounded()) }
            try encode(pixels, width: w, height: h, format: UInt32(PNG_FORMAT_GRAY), path: path)
        case .sixteen:
            let pixels = values.map { UInt16(($0 * 65535).rounded()) }
            try encode(pixels, width: w, height: h, format: UInt32(PNG_FORMAT_LINEAR_Y), path: path)
        }
    }

    /// Writes the magnitude of an image, mapping `range` (default 0…max) to black…white.
    public static func writeMagnitude(_ image: ComplexArray, to path: String, bitDepth: BitDepth = .eight,
                                      range: ClosedRange<Float>? = nil) throws {
        try writeMagnitude(image.magnitude, to: path, bitDepth: bitDepth, range: range)
    }

    public static func writeMagnitude(_ image: RealArray, to path: String, bitDepth: BitDepth = .eight,
                                      range: ClosedRange<Float>? = nil) throws {
        let magnitude = image.map { abs($0) }
        try write(gray: normalized(magnitude, range: range), to: path, bitDepth: bitDepth)
    }

    /// Writes 8-bit RGB pixels (row-major, 3 bytes per pixel).
    public static func write(rgb pixels: [UInt8], width: Int, height: Int, to path: String) throws {
        guard pixels.count == width * height * 3 else {
            throw AmbientError(.badShape, path, "RGB buffer of \(pixels.count) bytes does not fit \(width)×\(height)")
        }
        try encode(pixels, width: width, height: height, format: UInt32(PNG_FORMAT_RGB), path: path)
    }

    /// Reads a PNG as a grayscale [H, W] image in [0, 1] (colour is converted to luminance;
    /// 16-bit files keep 16-bit precision).
    public static func read(_ path: String) throws -> RealArray {
        guard FileManager.default.fileExists(atPath: path) else { throw AmbientError(.fileNotFound, path, "no such file") }
        var image = blankImage()
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw AmbientError(.badFormat, path, "cannot read PNG: \(message(of: &image))")
        }
        let sixteenBit = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        image.format = sixteenBit ? UInt32(PNG_FORMAT_LINEAR_Y) : UInt32(PNG_FORMAT_GRAY)
        let (h, w) = (Int(image.height), Int(image.width))
        if sixteenBit {
            var buffer = [UInt16](repeating: 0, count: h * w)
            guard png_image_finish_read(&image, nil, &buffer, 0, nil) != 0 else {
                throw AmbientError(.badFormat, path, "cannot decode PNG: \(message(of: &image))")
            }
            return RealArray(shape: [h, w]) { Float(buffer[$0]) / 65535 }
        }
        var buffer = [UInt8](repeating: 0, count: h * w)
        guard png_image_finish_read(&image, nil, &buffer, 0, nil) != 0 else {
            throw AmbientError(.badFormat, path, "cannot decode PNG: \(message(of: &image))")
        }
        return RealArray(shape: [h, w]) { Float(buffer[$0]) / 255 }
    }

    /// Maps `range` (default 0…max) linearly onto 0…1.
    public static func normalized(_ image: RealArray, range: ClosedRange<Float>? = nil) -> RealArray {
        let finite = image.elements.filter { $0.isFinite }
        let low = range?.lowerBound ?? 0
        let high = range?.upperBound ?? (finite.max() ?? 1)
        let span = high > low ? high - low : 1
        return image.map { ($0 - low) / span }
    }

    private static func encode<T>(_ pixels: [T], width: Int, height: Int, format: UInt32, path: String) throws {
        guard width > 0, height > 0 else { throw AmbientError(.badShape, path, "cannot write an empty \(width)×\(height) PNG") }
        var image = blankImage()
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        var size = 0
        let measured = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard measured != 0 else { throw AmbientError(.unwritable, path, "cannot encode PNG: \(message(of: &image))") }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = pixels.withUnsafeBytes { p in
            bytes.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, p.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw AmbientError(.unwritable, path, "cannot encode PNG: \(message(of: &image))") }
        try AtomicWrite.write(bytes.prefix(size), to: path)
    }

    /// A zeroed `png_image` of the current version (the C API asks for memset-to-zero).
    private static func blankImage() -> png_image {
        let p = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<png_image>.size, alignment: MemoryLayout<png_image>.alignment)
        defer { p.deallocate() }
        p.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<png_image>.size)
        var image = p.load(as: png_image.self)
        image.version = UInt32(PNG_IMAGE_VERSION)
        return image
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
