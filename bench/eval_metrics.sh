#!/usr/bin/env bash
# Folder evaluation (fastMRI metrics: NMSE, PSNR, SSIM 7×7 per slice) on 8 volumes of 16×320×320,
# ours (`ambient evaluate`, whole process) vs fastMRI's evaluate.py logic (h5py + scikit-image).
# usage: bench/eval_metrics.sh [AMBIENT]   (default $AMBIENT or .build/release/ambient)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ambient="${1:-${AMBIENT:-$here/../.build/release/ambient}}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/targets" "$work/predictions"
/usr/bin/python3 -s "$here/eval_metrics.py" make "$work/targets" "$work/predictions"

repeats=3
peer=999; ours=999
for _ in $(seq "$repeats"); do
  out=$(/usr/bin/python3 -s "$here/eval_metrics.py" run "$work/targets" "$work/predictions")
  peer=$(python3 -c "print(min($peer, ${out%%$'\n'*}))")
  start=$(date +%s.%N)
  "$ambient" evaluate --target "$work/targets" --predictions "$work/predictions" >"$work/ours.txt"
  ours=$(python3 -c "print(min($ours, $(date +%s.%N) - $start))")
done
echo "skimage: ${out#*$'\n'}"
echo "ours:    $(grep -i 'ssim' "$work/ours.txt" | tail -1)"
python3 - "$ours" "$peer" <<'PY'
import sys
ours, peer = map(float, sys.argv[1:])
print(f"evaluate 8 x [16,320,320]: ours {ours:.3f} s, fastMRI/skimage {peer:.3f} s, ratio ours/peer time {ours/peer:.2f}")
PY
