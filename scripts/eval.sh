#!/usr/bin/env bash
# `make eval`: the result that matters (docs/results.md). Fine-tunes the base prior on the "new
# hospital" data (MNI152 + dipy/nibabel slices, 64×64, 8 simulated coils, R = 4) three ways —
# Ambient (undersampled k-space only), naive (the same data as if it were clean) and clean oracle
# (ground truth) — then reconstructs held-out MNI152 slices undersampled at R = 4, 6 and 8 with
# zero-filled, ℓ1-wavelet, DPS under each prior (and the base prior before fine-tuning), two-stage DPS
# (the naive or ambient prior down to σ = 0.2, the clean base prior below) and A-OS,
# and evaluates with fastMRI's metrics.
# Needs `make corpus` and the base model. Knobs: EVAL_STEPS (fine-tuning steps), EVAL_DPS_STEPS
# (network evaluations per sample), EVAL_SAMPLES (posterior samples averaged), EVAL_OUT.
# Fine-tunings resume from their newest checkpoint in EVAL_OUT, so an interrupted run, or a rerun
# with a larger EVAL_STEPS, continues where it stopped.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AMBIENT=$(realpath "${1:-$ROOT/.build/release/ambient}")
RAW=${CORPUS_DIR:-$ROOT/corpus}/raw
OUT=${EVAL_OUT:-$ROOT/eval-out}
BASE=${EVAL_BASE:-$ROOT/data-samples/models/base64}
STEPS=${EVAL_STEPS:-3000}
DPS_STEPS=${EVAL_DPS_STEPS:-100}
# Every learned prior gets the same posterior settings: 2 samples averaged, a final 5-step CG
# projection onto the data; the ambient prior averages its denoiser over 2 fixed masks per step.
DPS=(--method ambient-dps -i "$DPS_STEPS" --samples "${EVAL_SAMPLES:-2}" --masks-per-sample 2 --data-consistency cg)
cd "$ROOT"
[[ -f "$RAW/mni152_t1.nii.gz" ]] || { echo "eval: run \`make corpus\` first" >&2; exit 1; }
mkdir -p "$OUT"

echo "== data: training slices (R = 4) and held-out test slices (R = 4, 6, 8)"
"$AMBIENT" simulate -q --protocol protocols/brain64-r4.json --slices 40:150:2 -o "$OUT/data/train" "$RAW/mni152_t1.nii.gz"
"$AMBIENT" simulate -q --protocol protocols/brain64-r4.json --min-signal 0.3 -o "$OUT/data/train" \
    "$RAW/S0_10slices.nii.gz" "$RAW/aniso_vox.nii.gz" "$RAW/anatomical.nii"
for r in 4 6 8; do
    "$AMBIENT" simulate -q --protocol protocols/brain64-r$r.json --slices 45:150:15 -o "$OUT/data/test-r$r" "$RAW/mni152_t1.nii.gz"
done

echo "== fine-tuning ($STEPS steps each)"
for objective in ambient naive oracle; do
    extra=()
    [[ $objective == oracle ]] && extra=(--targets "$OUT/data/train/target")
    "$AMBIENT" finetune -q --base "$BASE" --options protocols/training/finetune-brain64.json --objective "$objective" \
        --steps "$STEPS" --resume "${extra[@]}" -o "$OUT/prior-$objective" "$OUT/data/train/kspace"
done

echo "== reconstruction and evaluation"
for r in 4 6 8; do
    test=$OUT/data/test-r$r
    rec=$OUT/recon-r$r
    "$AMBIENT" recon -q --method zero-filled -o "$rec/zero-filled" "$test/kspace"
    "$AMBIENT" recon -q --method l1-wavelet -r 0.01 -o "$rec/l1-wavelet" "$test/kspace"
    for objective in naive ambient oracle; do
        "$AMBIENT" recon -q "${DPS[@]}" --model "$OUT/prior-$objective" -o "$rec/dps-$objective" "$test/kspace"
    done
    "$AMBIENT" recon -q "${DPS[@]}" --model "$BASE" -o "$rec/dps-base" "$test/kspace"
    # Two stages: the fine-tuned prior down to σ = 0.2, the clean base prior below (docs/results.md, change 9).
    for objective in naive ambient; do
        "$AMBIENT" recon -q "${DPS[@]}" --model "$OUT/prior-$objective" --low-noise-model "$BASE" -o "$rec/dps-$objective+base" "$test/kspace"
    done
    "$AMBIENT" recon -q --method ambient-os --data-consistency cg --model "$OUT/prior-ambient" -o "$rec/os-ambient" "$test/kspace"
    "$AMBIENT" evaluate --target "$test/target" -o "$rec" --figure "$OUT/figure-r$r.png" --predictions \
        "zero-filled=$rec/zero-filled,l1-wavelet=$rec/l1-wavelet,dps-base=$rec/dps-base,dps-naive=$rec/dps-naive,dps-ambient=$rec/dps-ambient,dps-naive+base=$rec/dps-naive+base,dps-ambient+base=$rec/dps-ambient+base,dps-oracle=$rec/dps-oracle,os-ambient=$rec/os-ambient" \
        | tee "$OUT/metrics-r$r.txt"
done

echo "== memorisation audit: samples of the ambient and the clean-oracle prior vs the clean training slices"
for objective in ambient oracle; do
    "$AMBIENT" sample -q --model "$OUT/prior-$objective" --protocol protocols/brain64-r4.json --seeds 0-31 -o "$OUT/samples-$objective"
    "$AMBIENT" memorization --samples "$OUT/samples-$objective/samples.npy" --training "$OUT/data/train/target" \
        -o "$OUT/memorization-$objective" | tee "$OUT/memorization-$objective.txt"
done

echo "== the real 8-coil brain slice (pictures only)"
"$AMBIENT" recon -q --method l1-wavelet -r 0.005 -o "$OUT/real/l1-wavelet" data-samples/real/sigpy_brain.h5
# Poisson-disc sampled: the base prior takes any mask (the fine-tuned prior's input needs Cartesian lines).
"$AMBIENT" recon -q --method ambient-dps -i "$DPS_STEPS" --model "$BASE" -o "$OUT/real/dps-base" data-samples/real/sigpy_brain.h5 \
    || echo "eval: DPS on the real slice failed (see above)"
echo "eval: tables in $OUT/metrics-r{4,6,8}.txt, figures in $OUT/figure-r*.png, audits in $OUT/memorization-*.txt"
