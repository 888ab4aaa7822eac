#!/bin/bash
# The one prepared GPU call of issue 7: train the shipped architecture (preset cpu, < 50 MB) on a
# GPU for a few minutes, starting from a shipped model folder, export, score, and leave it all in
# $OUT in files of at most 15 MiB (the device tool returns 8 files of 16 MiB at most).
# Test it on the CPU first with PRESET=tiny. From the repo root:
#   OUT=/tmp/out FROM=models/shapes-v2 MINUTES=image=4,video_a=2,video_b=2 bash training/device_run.sh
# Back here: cat $OUT/run.tar.gz.part-* | tar -xz -C training/runs  (then export / npm run eval).
set -uo pipefail
OUT=${OUT:?set OUT to the folder to fill}
PRESET=${PRESET:-cpu}
FROM=${FROM:-}
MINUTES=${MINUTES:-image=4,video_a=2,video_b=2}
PY=${PYTHON:-python3}
cd "$(dirname "$0")"
RUNS="$OUT/work"
mkdir -p "$OUT"
exec > >(tee "$OUT/device_run.log") 2>&1
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi: training on the CPU"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
start=tokenizer
if [ -n "$FROM" ]; then
  $PY -m firstframe_train.import_model --preset "$PRESET" --runs "$RUNS" --model "../$FROM" --video || exit 1
  start=image
fi
$PY -m firstframe_train.train_all --preset "$PRESET" --runs "$RUNS" --start-at "$start" --minutes "$MINUTES" || exit 1
# Everything below is best effort: the slim run alone is enough to export here.
$PY -m firstframe_train.slim_run "$RUNS/$PRESET" "$OUT/run/$PRESET"
tar -C "$OUT/run" -czf - "$PRESET" | split -b 15m - "$OUT/run.tar.gz.part-"
$PY -m firstframe_train.export --preset "$PRESET" --runs "$RUNS" --out "$OUT/model" --no-direct \
  || echo "export failed (onnx missing?): export here from the slim run"
$PY -m firstframe_train.evaluate --preset "$PRESET" --runs "$RUNS" --count 40 --held-out 10 \
  --out "$OUT/samples" --scores "$OUT/scores.json" || echo "evaluate failed (ffmpeg missing?)"
rm -rf "$OUT/work" "$OUT/run" "$OUT/samples" "$OUT/model"   # the parts hold the weights
ls -la "$OUT"
