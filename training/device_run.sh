#!/bin/bash
# The one prepared GPU call of issue 7: continue the shipped architecture on a GPU for a few
# minutes (preset cpu_on_gpu: the `cpu` model, GPU batch sizes) and return the slimmed run in $OUT,
# in files of at most 15 MiB (the device tool returns 8 files of 16 MiB at most).
# Import, export and scoring happen here, not there: the shipped model was exported and checked with
# this machine's PyTorch, and the GPU machine has no ffmpeg.
#   1. here:   (cd training && python3 -m firstframe_train.import_model --preset cpu_on_gpu --model ../models/shapes-v2)
#   2. device: OUT=$OUT MINUTES=image=3.5,video_a=2.5,video_b=1.5 bash training/device_run.sh   (carry training/runs)
#   3. here:   cat .../run.tar.gz.part-* | tar -xz -C training/runs, then
#              (cd training && python3 -m firstframe_train.export --preset cpu_on_gpu --out ../models/NAME --no-direct)
#              and npm run eval -- --model models/NAME
# A stage left out of MINUTES is skipped. To continue the video model as well, import with --video
# (writes video_b.pt) and leave video_a out: stage B then resumes from the imported weights.
# Test it on the CPU with tiny minutes first (same command, PYTHON=/usr/bin/python3).
set -uo pipefail
OUT=${OUT:?set OUT to the folder to fill}
PRESET=${PRESET:-cpu_on_gpu}
MINUTES=${MINUTES:-image=3.5,video_a=2.5,video_b=1.5}
PY=${PYTHON:-python3}
cd "$(dirname "$0")"
RUN="runs/$PRESET"
mkdir -p "$OUT"
exec > >(tee "$OUT/device_run.log") 2>&1
[ -f "$RUN/image.pt" ] || { echo "missing $RUN/image.pt: run import_model first and carry training/runs"; exit 2; }
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi: training on the CPU"
# GPU load every 20 s, to see whether rendering or the GPU limits the steps
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 20 >"$OUT/gpu.csv" 2>/dev/null &
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" || exit 1
export PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE

minutes_of() { tr ',' '\n' <<<"$MINUTES" | sed -n "s/^$1=//p"; }
# Each stage stops itself (with a checkpoint) after its minutes; `timeout` is only a backstop so a
# stuck stage cannot take the whole call (SIGTERM also makes the trainer save and exit).
run_stage() {  # name module args...
  local name=$1 module=$2; shift 2
  local m; m=$(minutes_of "$name")
  [ -n "$m" ] || { echo "== $name: skipped (not in MINUTES=$MINUTES)"; return 0; }
  local cap; cap=$(awk -v m="$m" 'BEGIN { printf "%d", m * 60 + 45 }')
  echo "== $name: $m min (backstop ${cap}s) at $(date +%T)"
  timeout -k 10 "$cap" $PY -m "firstframe_train.$module" --preset "$PRESET" --max-minutes "$m" --save-every-s 60 "$@"
  local rc=$?
  [ $rc -eq 124 ] && echo "== $name hit its backstop (it saved on SIGTERM)"
  [ $rc -eq 0 ] || [ $rc -eq 124 ]
}
# A stage that fails stops the call at once, so device time is left to run it again.
run_stage image train_image || exit 1
run_stage video_a train_video --stage a || exit 1
run_stage video_b train_video --stage b || exit 1
echo "== training done at $(date +%T)"

$PY -m firstframe_train.slim_run "$RUN" "$OUT/run/$PRESET" || exit 1
tar -C "$OUT/run" -czf - "$PRESET" | split -b 15m - "$OUT/run.tar.gz.part-"
rm -rf "$OUT/run"
ls -la "$OUT"
