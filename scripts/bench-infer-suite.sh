#!/bin/bash
# The issue-9 benchmark set: `winnow bench infer` on effnet-lite0 64x64 b16, ResNet-20 b64/b1/b2
# and the UNet at 32x32 b2/b8, each REPEATS times, one JSON object per line into OUT, then a
# table of medians (of the per-run medians and ratios) with the spread of the ratios.
#
#   scripts/bench-infer-suite.sh WINNOW MODELDIR EFFNET OUT.jsonl [REPEATS] [extra bench args...]
#
# MODELDIR holds resnet20.onnx and unet32.onnx from scripts/make-bench-models.py; ZOO (default
# Models/) adds the zoo's ddpm-unet32.onnx at batch 2 and 8 when present. The load average is
# recorded in every object (the machine may be shared).
set -euo pipefail
winnow=$1 models=$2 effnet=$3 out=$4
repeats=${5:-3}
shift $(( $# < 5 ? $# : 5 ))
: > "$out"
configs=(
  "$effnet --batch 16 --size 64x64"
  "$models/resnet20.onnx --batch 64"
  "$models/resnet20.onnx --batch 1"
  "$models/resnet20.onnx --batch 2"
  "$models/unet32.onnx --batch 2"
  "$models/unet32.onnx --batch 8"
)
zoo=${ZOO:-Models}
if [ -f "$zoo/ddpm-unet32.onnx" ]; then
  configs+=("$zoo/ddpm-unet32.onnx --batch 2" "$zoo/ddpm-unet32.onnx --batch 8")
fi
for ((r = 0; r < repeats; r++)); do
  for config in "${configs[@]}"; do
    # shellcheck disable=SC2086
    "$winnow" bench infer $config --threads 2 --json "$@" 2>/dev/null >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if line.strip():
        d = json.loads(line)
        rows.setdefault((d["model"].split("/")[-1], d["batch"]), []).append(d)
print("%-22s %5s %10s %10s %7s %15s %9s %9s %6s" % ("model", "batch", "winnow_ms", "ort_ms", "ratio", "ratio range", "rss_w_MB", "rss_o_MB", "load"))
for (model, batch), ds in rows.items():
    med = lambda k: statistics.median(d[k] for d in ds)
    ratios = sorted(d["ratio"] for d in ds)
    print("%-22s %5d %10.3f %10.3f %7.2f %7.2f-%-7.2f %9.0f %9.0f %6.2f" % (
        model, batch, med("winnow_ms"), med("onnxruntime_ms"), statistics.median(ratios), ratios[0], ratios[-1],
        med("winnow_peak_rss_mb"), med("onnxruntime_peak_rss_mb"), statistics.median(d["load_average"][0] for d in ds)))
PY
