#!/usr/bin/env python3
"""HDF5 slice-read benchmark, h5py side.

usage: hdf5_read.py make FILE            -- writes a 16-slice, 16-coil 640×320 fastMRI-layout file (seeded)
       hdf5_read.py read FILE REPEATS    -- prints the best wall time (s) of reading kspace slice by slice
"""
import sys
import time

import h5py
import numpy as np


def make(path):
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        dataset = f.create_dataset("kspace", shape=(16, 16, 640, 320), dtype=np.complex64)
        for s in range(16):
            block = rng.standard_normal((16, 640, 320), dtype=np.float32)
            dataset[s] = block + 1j * block[:, ::-1]
        f.create_dataset("reconstruction_rss", data=np.zeros((16, 320, 320), np.float32))
        f.attrs["acquisition"] = "AXT2"


def read(path, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        checksum = 0.0
        with h5py.File(path, "r") as f:
            dataset = f["kspace"]
            for s in range(dataset.shape[0]):
                checksum += float(dataset[s].real.flat[0])
        best = min(best, time.perf_counter() - start)
    print(f"{best:.6f}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        read(sys.argv[2], int(sys.argv[3]))
