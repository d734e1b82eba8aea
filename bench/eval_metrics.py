#!/usr/bin/env python3
"""Folder-evaluation benchmark, peer side: fastMRI's evaluate.py logic (NMSE, PSNR, skimage SSIM
per slice, mean ± 2σ) on h5py-read folders.

usage: eval_metrics.py make TARGET_DIR PRED_DIR   -- 8 seeded volumes [16, 320, 320] float32 each
       eval_metrics.py run TARGET_DIR PRED_DIR    -- prints the wall time (s), then the metrics line
needs: numpy, h5py, scikit-image
"""
import pathlib
import sys
import time

import h5py
import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def make(targets, predictions):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:320, 0:320]
    for k in range(8):
        volume = np.empty((16, 320, 320), np.float32)
        for s in range(16):
            r = ((yy - 160) / (100 + 3 * s)) ** 2 + ((xx - 160) / (120 - k)) ** 2
            volume[s] = (r < 1) * (0.5 + 0.5 * np.cos(xx / 9.0 + s)) * 1e-4
        noisy = volume + rng.standard_normal(volume.shape).astype(np.float32) * 5e-6
        with h5py.File(pathlib.Path(targets) / f"file{k}.h5", "w") as f:
            f["reconstruction_rss"] = volume
        with h5py.File(pathlib.Path(predictions) / f"file{k}.h5", "w") as f:
            f["reconstruction"] = noisy


def run(targets, predictions):
    start = time.perf_counter()
    values = {"NMSE": [], "PSNR": [], "SSIM": []}
    for path in sorted(pathlib.Path(targets).iterdir()):
        with h5py.File(path, "r") as t, h5py.File(pathlib.Path(predictions) / path.name, "r") as p:
            gt, pred = t["reconstruction_rss"][()], p["reconstruction"][()]
        values["NMSE"].append(np.linalg.norm(gt - pred) ** 2 / np.linalg.norm(gt) ** 2)
        values["PSNR"].append(peak_signal_noise_ratio(gt, pred, data_range=gt.max()))
        values["SSIM"].append(np.mean([structural_similarity(gt[s], pred[s], data_range=gt.max())
                                       for s in range(gt.shape[0])]))
    seconds = time.perf_counter() - start
    print(f"{seconds:.4f}")
    print(" ".join(f"{k} = {np.mean(v):.4g} +/- {2 * np.std(v, ddof=1):.4g}" for k, v in values.items()))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("make", "run"):
        sys.exit(__doc__)
    (make if sys.argv[1] == "make" else run)(sys.argv[2], sys.argv[3])
