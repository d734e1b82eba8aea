#!/usr/bin/env bash
# A-DPS posterior sampling, seconds per slice: ours (Swift: FFTW operator A = M·F·S and ambient input
# ÃᴴÃx, libtorch U-Net with the likelihood gradient through it) vs the same loop in Python (diffusers
# UNet2DModel + torch autograd + NumPy FFTs, Debian python3-torch). Same U-Net
# (bench/torch_unet_bench_config.json with a mask channel: in_channels 3), 64×64, COILS coils, 4× line
# masks, STEPS Euler steps = STEPS network forward + input-gradient passes on a batch of SLICES,
# same thread count. Prints both, best of REPEATS, and the ratio ours/peer of seconds (< 1 = we are faster).
# Env: SLICES (8), STEPS (10), COILS (8), THREADS (all cores), REPEATS (2).
# Needs: scripts/pip-bench.sh (diffusers 0.27 for /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
SLICES=${SLICES:-8}
STEPS=${STEPS:-10}
COILS=${COILS:-8}
THREADS=${THREADS:-$(nproc)}
REPEATS=${REPEATS:-2}
CONFIG=bench/torch_unet_bench_config.json

AMBIENT_ML=${AMBIENT_ML:-$(swift build -c release --show-bin-path)/ambient-ml}
ours() { "$AMBIENT_ML" bench-ml dps --config "$CONFIG" --slices "$SLICES" --steps "$STEPS" --coils "$COILS" --threads "$THREADS"; }
# stderr dropped: Debian's torch warns about the pip NumPy 2 beside it (the script does not need the bridge).
peer() { /usr/bin/python3 -s bench/dps_seconds_per_slice.py "$CONFIG" --slices "$SLICES" --steps "$STEPS" --coils "$COILS" --threads "$THREADS" 2>/dev/null; }

echo "A-DPS posterior sampling, $SLICES slices of 64x64, $COILS coils, $STEPS Euler steps (network evaluations with input gradient), $THREADS threads, best of $REPEATS"
o=(); p=()
for _ in $(seq "$REPEATS"); do o+=("$(ours)"); p+=("$(peer)"); done
python3 - "${#o[@]}" "${o[@]}" "${p[@]}" <<'PY'
import sys
n = int(sys.argv[1]); ours = min(map(float, sys.argv[2:2 + n])); peer = min(map(float, sys.argv[2 + n:]))
print(f"ours {ours:.3f} s/slice  python {peer:.3f} s/slice  ratio ours/peer {ours / peer:.2f} (< 1 = ours faster)")
PY
