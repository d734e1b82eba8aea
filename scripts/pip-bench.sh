#!/usr/bin/env bash
# Python peers for benchmarks and fixture generation (never used by the product at run time):
# diffusers 0.27 (works with Debian's python3-torch 1.13; huggingface_hub must predate 0.26, which
# removed `cached_download`), h5py, scikit-image. Installed for Debian's /usr/bin/python3, which
# the bench scripts run with -s (ignoring user site-packages). Idempotent.
set -euo pipefail
PY=/usr/bin/python3
if $PY -s -c "import safetensors.torch, diffusers, h5py, skimage" 2>/dev/null; then exit 0; fi
$PY -m pip install -q --break-system-packages 'diffusers==0.27.2' 'huggingface_hub<0.26' safetensors h5py scikit-image
