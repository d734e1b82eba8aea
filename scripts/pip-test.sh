#!/usr/bin/env bash
# Python used by the test suite to make parity fixtures at test time (h5py writes/reads fastMRI-style
# files; numpy checks .npy). Installs into whatever `python3` is first on PATH, as the tests call it.
# Idempotent; tests that need it skip (with a message) when it is unavailable.
set -uo pipefail
command -v python3 >/dev/null || exit 0
python3 -c "import h5py, numpy" 2>/dev/null && exit 0
python3 -m pip install -q h5py numpy 2>/dev/null || python3 -m pip install -q --break-system-packages h5py numpy \
    || echo "warning: could not install h5py for python3; h5py parity tests will be skipped"
exit 0
