#!/usr/bin/env python3
"""Peer for `ambient bench-unet`: one U-Net training step (forward + backward + AdamW, MSE loss on
random data) of diffusers' UNet2DModel in Debian's python3-torch. Prints images/s.

Usage: torch_train_step.py CONFIG.json --batch 16 --steps 3 --threads N [--channels-last]
"""
import argparse
import json
import time

import safetensors.torch  # noqa: F401  (import before diffusers)
import torch
from diffusers import UNet2DModel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--channels-last", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(args.config) as f:
        config = json.load(f)
    model = UNet2DModel(**config)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=False)
    size = config["sample_size"]
    x = torch.randn(args.batch, config["in_channels"], size, size).to(memory_format=memory_format)
    target = torch.randn(args.batch, config["out_channels"], size, size)
    timesteps = torch.rand(args.batch) * 999

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = (model(x, timesteps).sample - target).square().mean()
        loss.backward()
        optimizer.step()
        loss.item()

    step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    print(f"{args.batch * args.steps / seconds:.3f}")


if __name__ == "__main__":
    main()
