#!/usr/bin/env bash
# Exports a pretraining run's newest checkpoint (EMA weights) as the shipped base model,
# data-samples/models/base64/, with its loss curve and a grid of samples for the model card.
# usage: scripts/export-base-model.sh RUN_DIR [AMBIENT]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=$(realpath "$1")
AMBIENT=$(realpath "${2:-$ROOT/.build/release/ambient}")
OUT=$ROOT/data-samples/models/base64
CHECKPOINT=$(ls -d "$RUN"/checkpoints/step-* | sort | tail -1)
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
cp "$CHECKPOINT"/ema/config.json "$CHECKPOINT"/ema/diffusion_pytorch_model.safetensors "$OUT.tmp/"
cp "$CHECKPOINT"/training_options.json "$OUT.tmp/"
cp "$RUN"/loss_curve.png "$OUT.tmp/"
"$AMBIENT" sample -q --model "$OUT.tmp" --seeds 0-15 -i 18 -o "$OUT.tmp/samples"
mv "$OUT.tmp/samples/samples.png" "$OUT.tmp/samples.png" && rm -rf "$OUT.tmp/samples"
[[ -f "$OUT/README.md" ]] && cp "$OUT/README.md" "$OUT.tmp/"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"
python3 - "$RUN/training_log.jsonl" "$CHECKPOINT" <<'PY'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
print(f"exported {sys.argv[2]}: step {entries[-1]['step']}, last logged loss {entries[-1]['loss']:.4f}, "
      f"mean of the last 10 entries {sum(e['loss'] for e in entries[-10:]) / min(10, len(entries)):.4f}")
PY
du -sh "$OUT"
