#!/usr/bin/env bash
# `make demo`: the main job on the bundled data-samples/.
#  1. fine-tune the shipped base prior on the bundled undersampled brain slices (Ambient objective);
#  2. reconstruct the held-out undersampled slices: zero-filled, ℓ1-wavelet, posterior sampling under the
#     base prior and under the fine-tuned Ambient prior (4 samples: mean and uncertainty);
#  3. evaluate against the bundled ground truth (fastMRI metrics), draw the comparison figure;
#  4. reconstruct the real 8-coil brain slice (pictures only: it has no ground truth).
# Everything lands in ./demo-out/. DEMO_STEPS sets the fine-tuning length.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AMBIENT=$(realpath "${1:-$ROOT/.build/release/ambient}")
OUT=${DEMO_OUT:-$PWD/demo-out}
STEPS=${DEMO_STEPS:-150}
BASE=$ROOT/data-samples/models/base64
DATA=$ROOT/data-samples/brain64
cd "$ROOT"
mkdir -p "$OUT"
methods="zero-filled=$OUT/recon/zero-filled,l1-wavelet=$OUT/recon/l1-wavelet"

echo "== 1. fine-tuning the base prior on $DATA/train ($STEPS steps)"
if [[ -f "$BASE/config.json" ]]; then
    "$AMBIENT" finetune --base "$BASE" --options protocols/training/finetune-brain64.json --steps "$STEPS" \
        -o "$OUT/finetune" "$DATA/train/kspace"
    methods="$methods,dps-base-prior=$OUT/recon/dps-base-prior,ambient-dps=$OUT/recon/ambient-dps"
else
    echo "   no base model in $BASE: skipping the learned prior"
fi

echo "== 2. reconstructing $DATA/test"
"$AMBIENT" recon -q --method zero-filled -o "$OUT/recon/zero-filled" "$DATA/test/kspace"
"$AMBIENT" recon -q --method l1-wavelet -r 0.01 -o "$OUT/recon/l1-wavelet" "$DATA/test/kspace"
if [[ -f "$BASE/config.json" ]]; then
    # Posterior sampling under the base prior as shipped, and under the prior fine-tuned above.
    "$AMBIENT" recon -q --method ambient-dps --model "$BASE" -o "$OUT/recon/dps-base-prior" "$DATA/test/kspace"
    "$AMBIENT" recon --method ambient-dps --model "$OUT/finetune" --samples 4 -o "$OUT/recon/ambient-dps" "$DATA/test/kspace"
fi

echo "== 3. evaluating against $DATA/test/target"
"$AMBIENT" evaluate --target "$DATA/test/target" --predictions "$methods" -o "$OUT" --figure "$OUT/figure.png" | tee "$OUT/metrics.txt"

echo "== 4. the real 8-coil brain slice (no ground truth)"
"$AMBIENT" recon -q --method l1-wavelet -r 0.005 -o "$OUT/real/l1-wavelet" data-samples/real/sigpy_brain.h5
if [[ -f "$BASE/config.json" ]]; then
    # The base prior takes any sampling pattern (this slice is Poisson-disc undersampled; the fine-tuned
    # prior's Ambient input is defined for Cartesian line masks).
    # (230×180 is padded in k-space to a size the U-Net takes, 232×184, and cropped back.)
    "$AMBIENT" recon -q --method ambient-dps --model "$BASE" -o "$OUT/real/dps-base-prior" data-samples/real/sigpy_brain.h5 \
        || echo "   (skipped: see above)"
fi

echo
echo "Done. Results in $OUT:"
echo "  metrics table   $OUT/metrics.txt (and metrics.json, metrics.csv)"
echo "  figure          $OUT/figure.png"
echo "  reconstructions $OUT/recon/<method>/ (fastMRI layout .h5 + png/)"
echo "  real brain      $OUT/real/<method>/png/"
[[ -d "$OUT/finetune" ]] && echo "  fine-tuned model $OUT/finetune/model (log, loss_curve.png)"
exit 0
