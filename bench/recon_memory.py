"""Writes a fastMRI-layout file for the batch-recon memory benchmark: 16 slices x 16 coils x 320 x 320
complex64 k-space (a smooth object in coil images, random Cartesian columns at R = 4 with 24 ACS lines)."""
import sys
import h5py
import numpy as np

path = sys.argv[1]
rng = np.random.default_rng(0)
n, coils, slices = 320, 16, 16
y, x = np.mgrid[:n, :n] - n / 2
obj = ((x / 120) ** 2 + (y / 140) ** 2 < 1).astype(np.float32)
phases = np.exp(1j * 2 * np.pi * np.arange(coils)[:, None, None] / coils * (x + y)[None] / n)
columns = rng.random(n) < 0.2
columns[n // 2 - 12:n // 2 + 12] = True
with h5py.File(path, "w") as f:
    d = f.create_dataset("kspace", shape=(slices, coils, n, n), dtype=np.complex64)
    for s in range(slices):
        img = obj[None] * phases * (1 + 0.1 * s)
        k = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(img, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))
        d[s] = (k * columns[None, None, :]).astype(np.complex64)
