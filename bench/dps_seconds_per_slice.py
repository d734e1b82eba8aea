#!/usr/bin/env python3
"""Peer for `ambient-ml bench-ml dps`: the same A-DPS posterior sampling loop written the usual way in
Python — diffusers' UNet2DModel (EDM-preconditioned, mask channel) through torch autograd for the
input gradient, the multi-coil operator A = M·F·S and the ambient input ÃᴴÃ x with NumPy FFTs.

Same setup as AmbientDiffusion.benchmarkPosteriorSampling: in_channels 3 / out_channels 2, birdcage
coils, 4x random Cartesian line masks with size/8 ACS lines, Ã = the slice's mask less 20 % of its
non-ACS lines, slices scaled so the zero-filled image's 99th-percentile magnitude is 1, Euler steps
sigma 10 -> 0.004 (rho 7), no churn, zeta = 1, all slices in one batch, one untimed warm-up step.
Prints seconds per slice.

Usage: dps_seconds_per_slice.py CONFIG.json --slices 8 --steps 10 --coils 8 --threads N
"""
import argparse
import ctypes
import json
import math
import time

import numpy as np
import safetensors.torch  # noqa: F401  (import before diffusers)
import torch
from diffusers import UNet2DModel


def fft2c(x):
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))


def ifft2c(x):
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(x, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))


def birdcage(coils, size, radius=1.5):
    grid = (np.arange(size) - size // 2) / (size / 2)
    maps = np.zeros((coils, size, size), np.complex64)
    for c in range(coils):
        angle = 2 * math.pi * c / coils
        dy, dx = grid[:, None] - radius * math.sin(angle), grid[None, :] - radius * math.cos(angle)
        maps[c] = np.exp(1j * (np.arctan2(dx, -dy) - angle)) / np.sqrt(dx ** 2 + dy ** 2)
    return (maps / np.sqrt((np.abs(maps) ** 2).sum(0, keepdims=True))).astype(np.complex64)


def line_mask(size, acceleration, acs, rng):
    start = (size - acs + 1) // 2
    columns = (rng.random(size) < (size / acceleration - acs) / (size - acs)).astype(np.float32)
    columns[start:start + acs] = 1
    further = columns.copy()
    outside = [c for c in np.flatnonzero(columns) if not start <= c < start + acs]
    further[rng.permutation(outside)[: round(0.2 * len(outside))]] = 0
    return np.broadcast_to(columns, (size, size)).copy(), np.broadcast_to(further, (size, size)).copy()


def forward(x, maps, mask):  # [B, H, W] -> [B, C, H, W]
    return mask[:, None] * fft2c(maps * x[:, None])


def adjoint(k, maps, mask):  # [B, C, H, W] -> [B, H, W]
    return (np.conj(maps) * ifft2c(mask[:, None] * k)).sum(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--slices", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--coils", type=int, default=8)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    with open(args.config) as f:
        config = json.load(f)
    config["in_channels"], config["out_channels"] = 3, 2
    size, b, sigma_data = config["sample_size"], args.slices, 0.5
    model = UNet2DModel(**config).eval()
    for p in model.parameters():
        p.requires_grad_(False)

    maps = np.broadcast_to(birdcage(args.coils, size), (b, args.coils, size, size)).copy()
    masks, further = zip(*[line_mask(size, 4, max(2, size // 8), rng) for _ in range(b)])
    masks, further = np.stack(masks), np.stack(further)
    images = ((rng.standard_normal((b, size, size)) + 1j * rng.standard_normal((b, size, size))) * 0.5 / math.sqrt(2)).astype(np.complex64)
    kspace = forward(images, maps, masks)
    scale = np.array([np.quantile(np.abs(z), 0.99, method="inverted_cdf") for z in adjoint(kspace, maps, masks)])
    y = kspace / scale[:, None, None, None]

    # Arrays cross between NumPy and torch as raw float32 bytes (one copy each way, as ours): Debian's
    # torch is built against NumPy 1.x, and the pip NumPy 2 beside it breaks torch.from_numpy/.numpy().
    def from_numpy(a):
        a = np.ascontiguousarray(a, dtype=np.float32)
        return torch.frombuffer(bytearray(a.tobytes()), dtype=torch.float32).reshape(a.shape)

    def to_numpy(t):
        t = t.detach().contiguous()
        return np.frombuffer(ctypes.string_at(t.data_ptr(), t.numel() * 4), np.float32).reshape(t.shape)

    def to_tensor(z):
        return from_numpy(np.stack([z.real, z.imag], 1))

    def to_complex(t):
        a = to_numpy(t)
        return a[:, 0] + 1j * a[:, 1]

    mask_channel = from_numpy(further[:, None])

    def denoise_with_grad(x, sigma):
        """D(P x; sigma, M~) and the pullback v -> P J^T v (P = A~^H A~ is self-adjoint)."""
        inp = to_tensor(adjoint(forward(x, maps, further), maps, further)).requires_grad_(True)
        c_skip = sigma_data ** 2 / (sigma ** 2 + sigma_data ** 2)
        c_out = sigma * sigma_data / math.sqrt(sigma ** 2 + sigma_data ** 2)
        c_in = 1 / math.sqrt(sigma ** 2 + sigma_data ** 2)
        labels = torch.full((b,), math.log(sigma) / 4)
        out = c_skip * inp + c_out * model(torch.cat([inp * c_in, mask_channel], 1), labels).sample
        def pullback(v):
            out.backward(to_tensor(v))
            g = to_complex(inp.grad)
            return adjoint(forward(g, maps, further), maps, further)
        return to_complex(out), pullback

    def sample(steps):
        t = (10 ** (1 / 7) + np.arange(steps) / max(steps - 1, 1) * (0.004 ** (1 / 7) - 10 ** (1 / 7))) ** 7
        t = np.append(t, 0)
        x = t[0] * (rng.standard_normal((b, size, size)) + 1j * rng.standard_normal((b, size, size)))
        for i in range(steps):
            denoised, pullback = denoise_with_grad(x, float(t[i]))
            residual = forward(denoised, maps, masks) - y
            norms = np.sqrt((np.abs(residual) ** 2).reshape(b, -1).sum(1))
            gradient = pullback(2 * adjoint(residual, maps, masks))
            x = x + (t[i + 1] - t[i]) * (x - denoised) / t[i] - (1.0 / norms)[:, None, None] * gradient
        return x * scale[:, None, None]

    sample(1)
    start = time.perf_counter()
    result = sample(args.steps)
    seconds = time.perf_counter() - start
    assert np.isfinite(result).all()
    print(f"{seconds / b:.4f}")


if __name__ == "__main__":
    main()
