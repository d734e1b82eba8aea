#!/usr/bin/env bash
# HDF5 slice-by-slice read speed, ours vs h5py, on a 16-coil 640×320×16-slice fastMRI-layout file
# (420 MB, page-cached after the first pass), and our peak memory when reading one slice.
# usage: bench/hdf5_read.sh [READ_CMD]
#   READ_CMD reads a file slice by slice and prints "seconds" on its first line; it is called as
#   READ_CMD FILE SLICE_LIMIT|all reuse|fresh (reuse: one buffer for all slices). Default: "<ambient> bench read" with <ambient> from $AMBIENT or
#   .build/release/ambient (the CLI subcommand wraps AmbientIO.timeSliceReads).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
read_cmd="${1:-${AMBIENT:-$here/../.build/release/ambient} bench read}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
file="$work/bench_kspace.h5"
/usr/bin/python3 -s "$here/hdf5_read.py" make "$file"

repeats=3
/usr/bin/python3 -s "$here/hdf5_read.py" read "$file" 1 >/dev/null          # warm the page cache
peer=$(/usr/bin/python3 -s "$here/hdf5_read.py" read "$file" "$repeats")
ours=999
for _ in $(seq "$repeats"); do
  t=$($read_cmd "$file" all reuse | head -1)
  ours=$(python3 -c "print(min($ours, $t))")
done
python3 - "$ours" "$peer" <<'PY'
import sys
ours, peer = map(float, sys.argv[1:])
mb = 16 * 16 * 640 * 320 * 8 / 1e6
print(f"hdf5 slice reads (16 x [16,640,320] complex64, {mb:.0f} MB): ours {ours:.3f} s ({mb/ours:.0f} MB/s), "
      f"h5py {peer:.3f} s ({mb/peer:.0f} MB/s), ratio ours/h5py time {ours/peer:.2f}")
PY
slice_mb=$(python3 -c "print(16*640*320*8/2**20)")
one=$(/usr/bin/time -v $read_cmd "$file" 1 fresh 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
all=$(/usr/bin/time -v $read_cmd "$file" all fresh 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
echo "peak RSS reading 1 slice: $((one / 1024)) MiB; all 16 slices: $((all / 1024)) MiB (one slice is ${slice_mb} MiB; volume $((16 * ${slice_mb%.*})) MiB)"
