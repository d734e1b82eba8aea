#!/usr/bin/env bash
# U-Net training step (forward + backward + AdamW), ours (Swift → C shim → libtorch) vs diffusers'
# UNet2DModel in Debian python3-torch: same config (bench/torch_unet_bench_config.json), batch 16,
# 64×64, 2 channels, same thread count. Prints images/s for both and the ratio ours/peer (> 1 = we
# are faster), for contiguous (NCHW) and channels-last memory.
# Each side runs REPEATS times, alternating, and the best rate counts (robust to a busy machine).
# Python runs with -s (no user site-packages) so that the Debian torch + pip diffusers 0.27 pair is used.
# Env: BATCH (16), STEPS (3), THREADS (all cores), REPEATS (2). Needs: pip install 'diffusers==0.27.*' safetensors
set -euo pipefail
cd "$(dirname "$0")/.."
BATCH=${BATCH:-16}
STEPS=${STEPS:-3}
THREADS=${THREADS:-$(nproc)}
REPEATS=${REPEATS:-2}
CONFIG=bench/torch_unet_bench_config.json

AMBIENT_ML=${AMBIENT_ML:-$(swift build -c release --show-bin-path)/ambient-ml}
ours() { "$AMBIENT_ML" bench-ml unet --config "$CONFIG" --batch "$BATCH" --steps "$STEPS" --threads "$THREADS" ${1:+--channels-last}; }
peer() { /usr/bin/python3 -s bench/torch_train_step.py "$CONFIG" --batch "$BATCH" --steps "$STEPS" --threads "$THREADS" ${1:+--channels-last}; }

best() { python3 -c "import sys; print(max(float(v) for v in sys.argv[1:]))" "$@"; }

echo "U-Net train step, batch $BATCH, 64x64, $THREADS threads, $STEPS timed steps, best of $REPEATS (images/s)"
for layout in "" channels-last; do
    o=(); p=()
    for _ in $(seq "$REPEATS"); do o+=("$(ours $layout)"); p+=("$(peer $layout)"); done
    ob=$(best "${o[@]}"); pb=$(best "${p[@]}")
    printf '%-14s ours %8s  diffusers %8s  ratio ours/peer %s\n' "${layout:-contiguous}" "$ob" "$pb" \
        "$(python3 -c "print(f'{$ob/$pb:.2f}')")"
done
# Achieved arithmetic rate: a training step is about 3 forward passes of FLOPs (backward ≈ 2×
# forward), counted over conv/linear/matmul by `bench-ml unet --flops`. Peak: cores × clock × FP32
# FLOPs per cycle (32 with AVX-512 on AMD Zen 4, which runs 512-bit FMAs on two 256-bit pipes;
# 64 on Intel cores with two 512-bit FMA units) — stated, not measured.
gflops=$("$AMBIENT_ML" bench-ml unet --config "$CONFIG" --flops)
mhz=$(awk -F: '/cpu MHz/ {print $2; exit}' /proc/cpuinfo)
python3 - "$gflops" "$mhz" "$THREADS" "$ob" <<'PY'
import sys
fwd, mhz, threads, rate = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
achieved = 3 * fwd * rate
peak = threads * mhz / 1e3 * 32
print(f"forward {fwd:.2f} GFLOP/image; ours achieved {achieved:.0f} GFLOP/s in the channels-last run "
      f"= {100 * achieved / peak:.0f}% of {peak:.0f} GFLOP/s peak ({threads} cores x {mhz / 1e3:.2f} GHz x 32 FLOP/cycle)")
PY
