#!/usr/bin/env bash
# Peak memory of a batch reconstruction of a 16-coil 320×320 volume (16 slices, 420 MB of k-space):
# it should stay near a few slices (one slice is 26 MB), not the volume. Classical methods go one
# slice at a time; ambient-dps goes --slice-batch slices at a time through the network.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AMBIENT=${AMBIENT:-$ROOT/.build/release/ambient}
MODEL=${MODEL:-$ROOT/data-samples/models/base64}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -s "$ROOT/bench/recon_memory.py" "$work/vol.h5"
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "batch recon of [16 slices, 16 coils, 320, 320] (volume 420 MB, one slice 26 MB): peak resident memory"
for method in zero-filled sense; do
    kb=$(peak "$AMBIENT" recon -q --no-png --method "$method" -i 5 -o "$work/$method" "$work/vol.h5")
    echo "  $method: $((kb / 1024)) MiB"
done
if [[ -f "$MODEL/config.json" ]]; then
    kb=$(peak "$AMBIENT" recon -q --no-png --method ambient-dps --model "$MODEL" -i 2 --slice-batch 2 -o "$work/dps" "$work/vol.h5")
    echo "  ambient-dps (2 steps, --slice-batch 2): $((kb / 1024)) MiB"
fi
