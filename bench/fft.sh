#!/usr/bin/env bash
# FFT: `ambient fft` vs `bart fft -u 3` on a 16-coil 320×320 complex array, whole command (file in →
# file out, median of REPEATS), and in-process seconds per transform (ours; BART has no in-process timer).
set -euo pipefail
AMBIENT=${AMBIENT:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/ambient}
REPEATS=${REPEATS:-7}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
bart noise -n 1 <(true) 2>/dev/null || true
bart zeros 4 320 320 1 16 z >/dev/null && bart noise z x >/dev/null   # [320, 320, 1, 16] complex noise
median() { python3 -c "import sys,statistics; print(statistics.median(float(v) for v in sys.argv[1:]))" "$@"; }
timeit() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); python3 -c "print($t1 - $t0)"; }
o=(); b=()
for _ in $(seq "$REPEATS"); do
    o+=("$(timeit "$AMBIENT" fft x ours)")
    b+=("$(timeit bart fft -u 3 x theirs)")
done
om=$(median "${o[@]}"); bm=$(median "${b[@]}")
err=$("$AMBIENT" nrmse theirs ours)
inproc=$("$AMBIENT" bench fft --size 320 --coils 16 --repeats 20)
python3 - "$om" "$bm" "$inproc" "$err" <<'PY'
import sys
o, b, t, e = map(float, sys.argv[1:])
print(f"fft 16x320x320 whole command: ours {o:.3f} s, bart {b:.3f} s, ratio ours/bart {o/b:.2f}  (NRMSE vs bart {e:.1e})")
print(f"fft in-process: {t*1e3:.2f} ms per 16-coil transform ({t*1e6/16:.0f} us per 320x320 plane)")
PY
