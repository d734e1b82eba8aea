#!/usr/bin/env bash
# Regenerates data-samples/ (except models/, made by `ambient pretrain`; see its model card) from the
# public corpus (`make corpus` first) and Debian's ismrmrd-tools. Deterministic: same files every run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AMBIENT=$(realpath "${1:-$ROOT/.build/release/ambient}")
RAW=${CORPUS_DIR:-$ROOT/corpus}/raw
OUT=$ROOT/data-samples
cd "$ROOT"

# The "new hospital" brain: MNI152 T1 (not in the base model's corpus), 64×64, 8 coils, R = 4.
# Fine-tuning slices (undersampled only) and held-out test slices (with ground truth) do not overlap.
rm -rf "$OUT/brain64"
"$AMBIENT" simulate -q --protocol protocols/brain64-r4.json --slices 50:130:5 -o "$OUT/brain64/train" "$RAW/mni152_t1.nii.gz"
rm -rf "$OUT/brain64/train/target"
"$AMBIENT" simulate -q --protocol protocols/brain64-r4.json --slices 52:132:20 -o "$OUT/brain64/test" "$RAW/mni152_t1.nii.gz"

# A small ISMRMRD raw-data file (Shepp–Logan, 4 coils, 64×64, 2× readout oversampling).
mkdir -p "$OUT/ismrmrd"
ismrmrd_generate_cartesian_shepp_logan -m 64 -c 4 -o "$OUT/ismrmrd/shepp_logan_64.h5" >/dev/null

# The real 8-coil brain slice (SigPy tutorial data, BSD-3) in the fastMRI layout, with its licence.
mkdir -p "$OUT/real"
"$AMBIENT" convert --patient-id sigpy-brain --acquisition "SigPy MRI tutorial, 8-coil brain, Poisson-disc undersampled" \
    ../shared/data/sigpy-cartesian-brain/cartesian_ksp.npy "$OUT/real/sigpy_brain.h5"
cp ../shared/data/sigpy-cartesian-brain/LICENSE "$OUT/real/LICENSE"
du -sh "$OUT"/*
