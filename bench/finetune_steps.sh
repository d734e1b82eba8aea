#!/usr/bin/env bash
# Fine-tuning throughput, Fourier Ambient objective (A = M·F·S, 8 coils), batch 16, 64×64, mask
# channel: ours (Swift: loader thread for masks/FFTs, libtorch network, FFTW loss and gradient) vs
# the same loop in Python (diffusers UNet2DModel + torch.fft, Debian python3-torch). Same U-Net
# (bench/torch_unet_bench_config.json, in_channels 3), same thread count. Prints steps/s for both,
# the ratio ours/peer (> 1 = we are faster) and where each side spends a step.
# Env: BATCH (16), COILS (8), STEPS (3), THREADS (all cores), REPEATS (2).
# Needs: pip install 'diffusers==0.27.*' 'huggingface_hub<0.26' safetensors (for /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
BATCH=${BATCH:-16}
COILS=${COILS:-8}
STEPS=${STEPS:-3}
THREADS=${THREADS:-$(nproc)}
REPEATS=${REPEATS:-2}
CONFIG=bench/torch_unet_bench_config.json

AMBIENT_ML=${AMBIENT_ML:-$(swift build -c release --show-bin-path)/ambient-ml}
ours() { "$AMBIENT_ML" bench-ml finetune --config "$CONFIG" --batch "$BATCH" --coils "$COILS" --steps "$STEPS" --threads "$THREADS"; }
# The peer's stderr (import warnings from user-site packages) is shown only when it fails.
peer_log=$(mktemp)
trap 'rm -f "$peer_log"' EXIT
peer() { /usr/bin/python3 bench/finetune_steps.py "$CONFIG" --batch "$BATCH" --coils "$COILS" --steps "$STEPS" \
    --threads "$THREADS" 2>"$peer_log" || { cat "$peer_log" >&2; return 1; }; }

echo "Fourier ambient fine-tuning, batch $BATCH, 64x64, $COILS coils, $THREADS threads, $STEPS timed steps, best of $REPEATS"
o=(); p=()
for _ in $(seq "$REPEATS"); do o+=("$(ours)"); p+=("$(peer)"); done
python3 - "${#o[@]}" "${o[@]}" "${p[@]}" <<'PY'
import json, sys
n = int(sys.argv[1]); ours = [json.loads(s) for s in sys.argv[2:2 + n]]; peer = [json.loads(s) for s in sys.argv[2 + n:]]
o = max(ours, key=lambda r: r["steps_per_s"]); p = max(peer, key=lambda r: r["steps_per_s"])
print(f"ours {o['steps_per_s']:.3f} steps/s  python {p['steps_per_s']:.3f} steps/s  ratio ours/peer {o['steps_per_s'] / p['steps_per_s']:.2f}")
print("ours  per step: " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(o.items()) if k != "steps_per_s"))
print("peer  per step: " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(p.items()) if k != "steps_per_s"))
PY
