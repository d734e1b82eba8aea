import AmbientCore
import AmbientIO
import Foundation

/// Clean training images from files in the fastMRI layout that `ambient simulate` writes
/// (docs/data.md), read once, up front (64×64 corpora fit in memory). Undersampled k-space for
/// fine-tuning is read lazily by `FastMRIKSpaceDataset`.
public enum TrainingFolders {
    /// Clean complex images: every slice of each file's `image` dataset (the complex truth of target
    /// files), or of `reconstruction_rss` / `reconstruction_esc` as real images when there is none.
    /// `oversample[name] = k` repeats the slices of files whose name contains `name` k times (to
    /// balance a small brain volume against a large image set).
    public static func loadImages(_ inputs: [String], oversample: [String: Int] = [:],
                                  progress: Bool = true) throws -> InMemoryImageDataset {
        let files = try InputFiles.expand(inputs, extensions: ["h5", "hdf5"])
        guard !files.isEmpty else { throw AmbientError(.badArgument, inputs.joined(separator: " "), "no .h5 files") }
        var slices: [ComplexArray] = []
        let bar = ProgressBar("loading images", total: files.count, unit: "files", enabled: progress)
        for file in files {
            guard let volume = try FastMRIFile.cleanImages(file) else {
                throw AmbientError(.badFormat, file, "no clean images: needs an `image` or `reconstruction_rss` dataset")
            }
            if let plane = slices.first?.shape, plane != Array(volume.shape.suffix(2)) {
                throw AmbientError(.badShape, file, "image plane \(Array(volume.shape.suffix(2))) differs from the first file's \(plane)")
            }
            let name = (file as NSString).lastPathComponent
            let repeats = oversample.first { name.contains($0.key) }?.value ?? 1
            for _ in 0..<max(1, repeats) { for s in 0..<volume.shape[0] { slices.append(volume.slice(s)) } }
            bar.advance(status: name)
        }
        bar.finish()
        return try InMemoryImageDataset(images: ComplexArray.stack(slices))
    }
}
