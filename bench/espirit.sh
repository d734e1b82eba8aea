#!/usr/bin/env bash
# ESPIRiT benchmark: our ESPIRiT.calibrate vs `bart ecalib -m1` on BART's 8-coil phantom
# k-space (256×256 by default), best of 5 runs each, plus agreement of the maps.
# Usage: bench/espirit.sh [size] [coils]   (run from the repository root)
# Ours runs through the env-gated test ESPIRiTTests.testBenchmarkHook in a release build.
set -euo pipefail
SIZE=${1:-256}
COILS=${2:-8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SCRATCH=${SCRATCH:-$ROOT/.build-bench-espirit}

bart phantom -k -s "$COILS" -x "$SIZE" "$WORK/ksp" >/dev/null
bart ecalib -m1 "$WORK/ksp" "$WORK/maps" >/dev/null   # warm-up (page cache, FFTW wisdom)
best_bart=""
for _ in 1 2 3 4 5; do
    t0=$(date +%s.%N)
    bart ecalib -m1 "$WORK/ksp" "$WORK/maps" >/dev/null
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [[ -z "$best_bart" ]] || (( $(echo "$t < $best_bart" | bc -l) )); then best_bart=$t; fi
done

cd "$ROOT"
swift build -c release --build-tests --scratch-path "$SCRATCH" >/dev/null
out=$(AMBIENT_BENCH_ESPIRIT="$WORK/ksp" AMBIENT_BENCH_COILS="$COILS" AMBIENT_BENCH_SIZE="$SIZE" \
      AMBIENT_BENCH_BART_MAPS="$WORK/maps" \
      swift test -c release --skip-build --scratch-path "$SCRATCH" --filter ESPIRiTTests.testBenchmarkHook 2>&1 | grep ESPIRITBENCH)
ours=$(echo "$out" | awk '/ours_seconds/ {print $3}')
agreement=$(echo "$out" | awk '/projector_rel_diff/ {print "projector rel. diff " $3 ", support agreement " $5}')
printf 'espirit %dx%d, %d coils: ours %.3f s, bart ecalib -m1 %.3f s, ratio ours/bart %.2f; %s\n' \
    "$SIZE" "$SIZE" "$COILS" "$ours" "$best_bart" "$(echo "$ours / $best_bart" | bc -l)" "$agreement"
