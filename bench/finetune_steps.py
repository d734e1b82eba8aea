#!/usr/bin/env python3
"""Peer for `ambient bench-finetune`: Fourier Ambient Diffusion fine-tuning steps written the usual
way in Python — diffusers' UNet2DModel (EDM-preconditioned, mask channel), batch data prepared in the
loop with torch.fft, the loss ‖AᴴA D − Aᴴy‖² through torch autograd, gradient clipping, AdamW, EMA.
Prints one JSON line: steps/s and seconds per step in data preparation, network forward, FFT loss
forward, backward + optimizer.

Usage: finetune_steps.py CONFIG.json --batch 16 --coils 8 --steps 5 --threads N
"""
import argparse
import json
import math
import time

import safetensors.torch  # noqa: F401  (import before diffusers)
import torch
from diffusers import UNet2DModel


def fft2c(x):
    return torch.fft.fftshift(torch.fft.fft2(torch.fft.ifftshift(x, dim=(-2, -1)), norm="ortho"), dim=(-2, -1))


def ifft2c(x):
    return torch.fft.fftshift(torch.fft.ifft2(torch.fft.ifftshift(x, dim=(-2, -1)), norm="ortho"), dim=(-2, -1))


def birdcage(coils, size, radius=1.5):
    y, x = torch.meshgrid(torch.linspace(-1, 1, size), torch.linspace(-1, 1, size), indexing="ij")
    maps = []
    for c in range(coils):
        angle = 2 * math.pi * c / coils
        cy, cx = radius * math.sin(angle), radius * math.cos(angle)
        distance = torch.sqrt((y - cy) ** 2 + (x - cx) ** 2)
        maps.append(torch.polar(1 / distance, torch.atan2(y - cy, x - cx) + angle))
    maps = torch.stack(maps)
    return maps / torch.sqrt((maps.abs() ** 2).sum(0, keepdim=True))


def line_mask(size, acceleration, acs, generator):
    columns = (torch.rand(size, generator=generator) < (size / acceleration - acs) / (size - acs)).float()
    start = (size - acs + 1) // 2
    columns[start:start + acs] = 1
    return columns.expand(size, size).clone(), range(start, start + acs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--coils", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    with open(args.config) as f:
        config = json.load(f)
    config["in_channels"], config["out_channels"] = 3, 2
    size, b, sigma_data = config["sample_size"], args.batch, 0.5
    model = UNet2DModel(**config)
    ema = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0, foreach=False)

    slices = 2 * b
    maps = birdcage(args.coils, size)
    images = torch.randn(slices, size, size, dtype=torch.complex64, generator=generator) * 0.5
    masks, acs_ranges = zip(*[line_mask(size, 4, max(2, size // 8), generator) for _ in range(slices)])
    kspace = torch.stack([m * fft2c(maps * x) for m, x in zip(masks, images)])  # [N, C, H, W]

    def prepare(step):
        order = torch.randperm(slices, generator=generator)[:b]
        sigma = torch.exp(-1.2 + 1.2 * torch.randn(b, generator=generator))
        noisy, further_masks, adjoint_data, observed = [], [], [], []
        for i, n in enumerate(order.tolist()):
            mask = masks[n]
            columns = [c for c in range(size) if mask[0, c] > 0 and c not in acs_ranges[n]]
            drop = torch.randperm(len(columns), generator=generator)[: round(0.2 * len(columns))]
            further = mask.clone()
            further[:, [columns[j] for j in drop.tolist()]] = 0
            noise = torch.randn(size, size, dtype=torch.complex64, generator=generator) * sigma[i]
            data = (maps.conj() * ifft2c(further * kspace[n])).sum(0)
            data = data + (maps.conj() * ifft2c(further * fft2c(maps * noise))).sum(0)
            noisy.append(data)
            further_masks.append(further)
            adjoint_data.append((maps.conj() * ifft2c(mask * kspace[n])).sum(0))
            observed.append(mask)
        return (sigma, torch.stack(noisy), torch.stack(further_masks), torch.stack(adjoint_data),
                torch.stack(observed))

    timings = {"data_s": 0.0, "network_forward_s": 0.0, "fft_loss_forward_s": 0.0, "backward_optimizer_s": 0.0}

    def step(index, timed):
        t0 = time.perf_counter()
        sigma, noisy, further, adjoint_data, observed = prepare(index)
        t1 = time.perf_counter()
        x = torch.view_as_real(noisy).permute(0, 3, 1, 2)
        s = sigma.view(-1, 1, 1, 1)
        c_skip = sigma_data ** 2 / (s ** 2 + sigma_data ** 2)
        c_out = s * sigma_data / (s ** 2 + sigma_data ** 2).sqrt()
        c_in = 1 / (sigma_data ** 2 + s ** 2).sqrt()
        optimizer.zero_grad(set_to_none=True)
        f = model(torch.cat([c_in * x, further[:, None]], dim=1), sigma.log() / 4).sample
        d = c_skip * x + c_out * f
        t2 = time.perf_counter()
        dc = torch.view_as_complex(d.permute(0, 2, 3, 1).contiguous())
        normal = (maps.conj() * ifft2c(observed[:, None] * fft2c(maps * dc[:, None]))).sum(1)
        weight = (sigma ** 2 + sigma_data ** 2) / (sigma * sigma_data) ** 2
        loss = (weight * ((normal - adjoint_data).abs() ** 2).sum((1, 2)) / (2 * size * size)).mean()
        t3 = time.perf_counter()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        with torch.no_grad():
            for e, p in zip(ema, model.parameters()):
                e.lerp_(p, 0.001)
        loss.item()
        t4 = time.perf_counter()
        if timed:
            for key, value in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                timings[key] += value

    step(0, False)
    start = time.perf_counter()
    for i in range(args.steps):
        step(i + 1, True)
    seconds = time.perf_counter() - start
    result = {"steps_per_s": args.steps / seconds}
    result.update({k: v / args.steps for k, v in timings.items()})
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
