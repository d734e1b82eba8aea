#!/usr/bin/env bash
# ℓ1-wavelet reconstruction, ours vs BART's `pics -l1`, on the same data, mask and maps:
# an 8-coil 256×256 BART phantom, ESPIRiT maps (`bart ecalib -m1`), a Poisson-disc mask
# (about 26% of k-space with a 24×24 centre), λ = 0.01, 100 iterations, both with BART's data
# scaling (-S). Prints the best of REPEAT wall times of each (ours: the l1WaveletRecon call;
# BART: the pics process), the ratio ours/BART (target ≤ 1.0) and both NRMSEs against the
# coil-combined fully sampled image. Runs alternate so that background load hits both alike.
# Env: AMBIENT_SCRATCH (SwiftPM scratch path, default .build), SIZE (256), LAMBDA (0.01),
# ITER (100), REPEAT (3). AMBIENT_FFTW_PLANNER=estimate is passed through to our FFT planner (default: measured plans, cached as wisdom).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v bart >/dev/null || { echo "recon_l1: bart not on PATH (apt-get install bart)" >&2; exit 1; }

SIZE=${SIZE:-256}
LAMBDA=${LAMBDA:-0.01}
ITER=${ITER:-100}
REPEAT=${REPEAT:-3}
SCRATCH=${AMBIENT_SCRATCH:-.build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "recon_l1: simulating ${SIZE}×${SIZE} 8-coil phantom, ESPIRiT maps, Poisson mask" >&2
bart phantom -s 8 -k -x "$SIZE" "$work/full" >/dev/null
bart ecalib -m1 "$work/full" "$work/maps" >/dev/null
bart poisson -Y "$SIZE" -Z "$SIZE" -y 2 -z 2 -C 24 -s 1 "$work/mask0" >/dev/null
bart transpose 0 2 "$work/mask0" "$work/mask"          # [1, ky, kz] → [kx, ky, 1]
bart fmac "$work/full" "$work/mask" "$work/under"
# Truth: coil combination Sᴴ F⁻¹ y of the fully sampled data.
bart fft -u -i 3 "$work/full" "$work/coilimages"
bart fmac -C -s 8 "$work/coilimages" "$work/maps" "$work/truth"

echo "recon_l1: building (release)" >&2
# Other test targets use @testable imports, so the release test bundle needs -enable-testing.
swift build -c release -Xswiftc -enable-testing --product AmbientMRIPackageTests --scratch-path "$SCRATCH" \
    >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; echo "recon_l1: build failed" >&2; exit 1; }

min() { echo "if ($1 < $2) $1 else $2" | bc -l; }
bart_seconds=999999
ours_seconds=999999
for _ in $(seq "$REPEAT"); do
    start=$(date +%s.%N)
    bart pics -S -l1 -r "$LAMBDA" -i "$ITER" "$work/under" "$work/maps" "$work/bart" >/dev/null 2>&1
    end=$(date +%s.%N)
    bart_seconds=$(min "$(echo "$end - $start" | bc -l)" "$bart_seconds")

    ours_log=$(AMBIENT_RECON_BENCH_DIR="$work" AMBIENT_RECON_BENCH_LAMBDA="$LAMBDA" AMBIENT_RECON_BENCH_ITERATIONS="$ITER" \
        swift test -c release -Xswiftc -enable-testing --skip-build --scratch-path "$SCRATCH" \
        --filter L1WaveletBenchmark 2>&1) || { echo "$ours_log" >&2; echo "recon_l1: our run failed" >&2; exit 1; }
    seconds=$(echo "$ours_log" | sed -n 's/^ours_seconds //p')
    [ -n "$seconds" ] || { echo "$ours_log" >&2; echo "recon_l1: our run printed no time" >&2; exit 1; }
    ours_seconds=$(min "$seconds" "$ours_seconds")
done

bart_nrmse=$(bart nrmse "$work/truth" "$work/bart")
ours_nrmse=$(bart nrmse "$work/truth" "$work/ours")
ratio=$(echo "$ours_seconds / $bart_seconds" | bc -l)
printf 'recon_l1 (%s×%s, 8 coils, λ=%s, %s iterations)\n' "$SIZE" "$SIZE" "$LAMBDA" "$ITER"
printf '  ours  %8.3f s   NRMSE %s   (the l1WaveletRecon call)\n' "$ours_seconds" "$ours_nrmse"
printf '  BART  %8.3f s   NRMSE %s   (wall time of the pics process)\n' "$bart_seconds" "$bart_nrmse"
printf '  ratio ours/BART %.3f (target ≤ 1.0)\n' "$ratio"
