#!/usr/bin/env bash
# `make bench`: every benchmark, ours beside the peer measured in the same run, as a ratio.
# The machine is shared and noisy: each script alternates runs and reports medians or bests.
# Output also goes to bench-out/results.txt. BENCH_ONLY="fft l1" runs a subset.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export AMBIENT=${1:-$ROOT/.build/release/ambient}
export AMBIENT_ML=$(dirname "$AMBIENT")/ambient-ml
mkdir -p bench-out
declare -A scripts=(
    [fft]="bench/fft.sh"
    [l1]="bench/recon_l1.sh"
    [espirit]="bench/espirit.sh"
    [hdf5]="bench/hdf5_read.sh"
    [unet]="bench/torch_train_step.sh"
    [finetune]="bench/finetune_steps.sh"
    [dps]="bench/dps_seconds_per_slice.sh"
    [eval]="bench/eval_metrics.sh"
    [memory]="bench/recon_memory.sh"
)
order=(fft l1 espirit hdf5 eval memory unet finetune dps)
failed=0
{
    echo "AmbientMRI benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    for name in "${order[@]}"; do
        [[ -n "${BENCH_ONLY:-}" && " $BENCH_ONLY " != *" $name "* ]] && continue
        script=${scripts[$name]}
        [[ -f "$script" ]] || { echo "== $name: $script missing"; continue; }
        echo "== $name ($script)"
        bash "$script" || { echo "   $name FAILED"; failed=1; }
    done
} 2>&1 | tee bench-out/results.txt
exit $failed
