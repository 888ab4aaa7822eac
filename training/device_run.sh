#!/bin/bash
# The one prepared GPU call of issue 7: continue the shipped architecture on a GPU for a few
# minutes (preset cpu_on_gpu: the `cpu` model, GPU batch sizes) and return the slimmed run in $OUT,
# in files of at most 15 MiB (the device tool returns 8 files of 16 MiB at most).
# Import, export and scoring happen here, not there: the shipped model was exported and checked with
# this machine's PyTorch, and the GPU machine has no ffmpeg.
#   1. here:   (cd training && python3 -m firstframe_train.import_model --preset cpu_on_gpu --model ../models/shapes-v8 [--video])
#   2. device: OUT=$OUT MINUTES=image=3.5,video_a=2.5,video_b=1.5 bash training/device_run.sh   (carry training/runs)
#   3. here:   cat .../run.tar.gz.part-* | tar -xz -C training/runs, then
#              (cd training && python3 -m firstframe_train.export --preset cpu_on_gpu --out ../models/NAME --no-direct)
#              and npm run eval -- --model models/NAME
# A stage left out of MINUTES is skipped. To continue the video model as well, import with --video
# (writes video_b.pt) and leave video_a out: stage B then resumes from the imported weights.
#
# PARALLEL=1 runs the stages as lanes side by side on the one GPU (a small U-Net leaves most of it
# idle): lane 1 the image stage with its text encoder frozen (the video stage beside it was trained
# against that encoder), lane 2 video_a then video_b. DIRECT=A_STEPS,B_STEPS adds lane 3: the direct
# text-to-video baseline for exactly that many steps at DIRECT_BATCH=A_BATCH,B_BATCH (the ablation:
# the factorized model's own steps and batches), from a copy of the image stage as it is at the
# start, in runs/direct/$PRESET (resumed if it is there: delete it before carrying training/runs for
# a new baseline), stopped after DIRECT_MINUTES whatever its steps. WORKERS render processes per lane.
# UNFROZEN=1 adds a lane for the frozen-spatial ablation: video stage B with every U-Net weight
# trainable (train_video --train-spatial) for the minutes of video_b, from a copy of the run as it is
# at the start, in runs/unfrozen/$PRESET (its own video_b.pt comes back in run/unfrozen/$PRESET).
# It won (shapes-v4): to train the shipped model on that way, TRAIN_SPATIAL=1 (no ablation lane).
# With TRAIN_SPATIAL=1 the UNFROZEN lane is the control of an A/B on lane 2's other stage-B flags:
# e.g. HARD_SHARE=0.5 UNFROZEN=1 TRAIN_SPATIAL=1 trains the hard-case tilt and the world's mix side by side.
# MINUTES=...,video_decoder=M: after video_b, lane 2 makes SDEdit pairs from the new video U-Net (at most
# PAIRS, PAIRS_BATCH clips at once, for at most PAIRS_MINUTES) and trains the temporal video decoder on
# them for M minutes at DECODER_BATCH clips: the decoder must learn the latents of the U-Net it ships
# with (training/experiments/08-video-decoder-shapes-v6.md). Import with --video so it continues the shipped decoder.
# MASKS=first=0.7,interpolate=0.15,continue=0.15: lane 2's stage B trains the masked video model (issue 28:
# image-to-video, interpolation and continuation in one U-Net, train_video --mask-mix; kept on resume), e.g.
# from shapes-v8 imported with --video: MINUTES=video_b=6 TRAIN_SPATIAL=1 MASKS=... (about 10 device minutes with
# the start); the export then lists the masks in model_index.json's video_masks. Empty (default): first frame only.
# VIDEO_SIZE=budget8s: the video U-Net at a size of config.VIDEO_SIZES (more temporal layers; issue 28 item 2,
# training/experiments/19-video-unet-sizing.md): the preset becomes $PRESET-$VIDEO_SIZE, and so does the run
# folder (runs/cpu_on_gpu-budget8s). Import and export with that preset; the import grows the shipped
# unet_video (its new temporal layers start as the identity). Empty (default): the preset's own size.
# Test it on the CPU with tiny minutes first (same command, PYTHON=/usr/bin/python3).
set -uo pipefail
OUT=${OUT:?set OUT to the folder to fill}
PRESET=${PRESET:-cpu_on_gpu}
VIDEO_SIZE=${VIDEO_SIZE:-}
[ -n "$VIDEO_SIZE" ] && PRESET="$PRESET-$VIDEO_SIZE"
MINUTES=${MINUTES:-image=3.5,video_a=2.5,video_b=1.5}
PARALLEL=${PARALLEL:-0}
DIRECT=${DIRECT:-}
DIRECT_BATCH=${DIRECT_BATCH:-64,32}
DIRECT_MINUTES=${DIRECT_MINUTES:-8}
UNFROZEN=${UNFROZEN:-0}
TRAIN_SPATIAL=${TRAIN_SPATIAL:-0}  # 1: lane 2's stage B trains the spatial layers too (shapes-v4's recipe)
FRAME_ANCHOR=${FRAME_ANCHOR:-}  # own+first: stage B's spatial self-attention also reads frame 0 (eleventh round)
HARD_SHARE=${HARD_SHARE:-0}  # lane 2's stage B: share of clips tilted toward the hard cases (train_video --hard-share)
MASKS=${MASKS:-}  # lane 2's stage B: conditioning mask shares (train_video --mask-mix), e.g. first=0.7,interpolate=0.15,continue=0.15
PAIRS=${PAIRS:-20000} PAIRS_MINUTES=${PAIRS_MINUTES:-2} PAIRS_BATCH=${PAIRS_BATCH:-256} DECODER_BATCH=${DECODER_BATCH:-32}
SEED_OFFSET=${SEED_OFFSET:-0}  # set it when continuing an imported model: new clips, not the last round's
PY=${PYTHON:-python3}
cd "$(dirname "$0")"
RUN="runs/$PRESET"
DIRECT_RUN="runs/direct/$PRESET"
UNFROZEN_RUN="runs/unfrozen/$PRESET"
mkdir -p "$OUT"
exec > >(tee "$OUT/device_run.log") 2>&1
[ -f "$RUN/image.pt" ] || { echo "missing $RUN/image.pt: run import_model first and carry training/runs"; exit 2; }
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi: training on the CPU"
# GPU load every 20 s, to see whether rendering or the GPU limits the steps
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -l 20 >"$OUT/gpu.csv" 2>/dev/null &
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" || exit 1
export PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE
[ -n "${WORKERS:-}" ] && export FIRSTFRAME_DATA_WORKERS=$WORKERS

minutes_of() { tr ',' '\n' <<<"$MINUTES" | sed -n "s/^$1=//p"; }
# Each stage stops itself (with a checkpoint) after its minutes; `timeout` is only a backstop so a
# stuck stage cannot take the whole call (SIGTERM also makes the trainer save and exit).
backstop_s() { awk -v m="$1" 'BEGIN { printf "%d", m * 60 + 45 }'; }
capped() {  # label seconds module args...: python -m module, output prefixed [label]; returns its exit status
  local label=$1 cap=$2; shift 2
  # --foreground: the signal goes to the trainer only; its render workers must live until it has saved
  timeout --foreground -k 10 "$cap" $PY -m "$@" 2>&1 | sed -u "s/^/[$label] /"
  return "${PIPESTATUS[0]}"
}
train_for() {  # label minutes module args...
  local label=$1 m=$2 module=$3; shift 3
  local cap; cap=$(backstop_s "$m")
  echo "== $label: $m min (backstop ${cap}s) at $(date +%T)"
  capped "$label" "$cap" "firstframe_train.$module" "$@" --preset "$PRESET" --max-minutes "$m" --save-every-s 60 \
    --seed-offset "$SEED_OFFSET"
  local rc=$?
  [ $rc -eq 124 ] && echo "== $label hit its backstop (it saved on SIGTERM)"
  [ $rc -eq 0 ] || [ $rc -eq 124 ] || { echo "== $label FAILED (exit $rc)"; return 1; }
}
run_stage() {  # name module args...
  local name=$1 module=$2; shift 2
  local m; m=$(minutes_of "$name")
  [ -n "$m" ] || { echo "== $name: skipped (not in MINUTES=$MINUTES)"; return 0; }
  train_for "$name" "$m" "$module" "$@"
}
direct_lane() {  # the baseline for a fixed number of steps, within DIRECT_MINUTES
  local a_steps=${DIRECT%,*} b_steps=${DIRECT#*,} a_batch=${DIRECT_BATCH%,*} b_batch=${DIRECT_BATCH#*,}
  local start=$SECONDS
  train_for direct_a "$DIRECT_MINUTES" train_video --stage a --direct --runs runs/direct \
    --steps "$a_steps" --batch-size "$a_batch" || return 1
  local left; left=$(awk -v m="$DIRECT_MINUTES" -v s=$((SECONDS - start)) 'BEGIN { printf "%.2f", m - s / 60 }')
  awk -v l="$left" 'BEGIN { exit !(l > 0.05) }' || { echo "== direct_b: no time left of DIRECT_MINUTES"; return 0; }
  train_for direct_b "$left" train_video --stage b --direct --runs runs/direct \
    --steps $((a_steps + b_steps)) --batch-size "$b_batch"
}
video_decoder_stage() {  # SDEdit pairs from the video U-Net as it now is, then the video decoder on them
  local m; m=$(minutes_of video_decoder)
  [ -n "$m" ] || { echo "== video_decoder: skipped (not in MINUTES=$MINUTES)"; return 0; }
  # pairs from an earlier U-Net would teach the decoder that U-Net's latents
  rm -rf "$RUN/video_decoder_pairs"
  echo "== video_decoder pairs: up to $PAIRS in $PAIRS_MINUTES min, $PAIRS_BATCH at once, at $(date +%T)"
  # pairs stop themselves after PAIRS_MINUTES and save; killed by the backstop they save nothing: a failure
  capped "video_decoder pairs" "$(backstop_s "$PAIRS_MINUTES")" firstframe_train.train_video_decoder pairs \
    --preset "$PRESET" --count "$PAIRS" --shard $((100 + SEED_OFFSET % 100)) --batch "$PAIRS_BATCH" \
    --max-minutes "$PAIRS_MINUTES" || { echo "== video_decoder pairs FAILED"; return 1; }
  train_for video_decoder "$m" train_video_decoder train --batch-size "$DECODER_BATCH"
}
unfrozen_lane() {  # stage B with the spatial layers trainable, as long as lane 2's stage B
  local m; m=$(minutes_of video_b)
  [ -n "$m" ] || { echo "== unfrozen_b: skipped (no video_b in MINUTES=$MINUTES)"; return 0; }
  train_for unfrozen_b "$m" train_video --stage b --train-spatial --runs runs/unfrozen
}

if [ -n "$DIRECT" ] && [ ! -d "$DIRECT_RUN" ]; then  # the baseline starts from the image stage as it is now
  mkdir -p "$DIRECT_RUN" && cp "$RUN"/tokenizer*.json "$RUN/autoencoder.pt" "$RUN/image.pt" "$DIRECT_RUN/"
fi  # (an existing runs/direct/$PRESET is resumed: a second call on the still-warm machine goes on with it)
if [ "$UNFROZEN" = 1 ] && [ ! -d "$UNFROZEN_RUN" ]; then  # same start as lane 2 (resumed likewise)
  mkdir -p "$UNFROZEN_RUN" && cp "$RUN"/tokenizer*.json "$RUN"/*.pt "$UNFROZEN_RUN/"
fi
spatial_flag=; [ "$TRAIN_SPATIAL" = 1 ] && spatial_flag=--train-spatial
[ -n "$FRAME_ANCHOR" ] && spatial_flag="$spatial_flag --frame-anchor $FRAME_ANCHOR"
[ "$HARD_SHARE" != 0 ] && spatial_flag="$spatial_flag --hard-share $HARD_SHARE"
[ -n "$MASKS" ] && spatial_flag="$spatial_flag --mask-mix $MASKS"
if [ "$PARALLEL" = 1 ]; then
  run_stage image train_image --freeze-text & image_pid=$!
  { run_stage video_a train_video --stage a && run_stage video_b train_video --stage b $spatial_flag \
    && video_decoder_stage; } & video_pid=$!
  direct_pid=
  [ -n "$DIRECT" ] && { direct_lane & direct_pid=$!; }
  unfrozen_pid=
  [ "$UNFROZEN" = 1 ] && { unfrozen_lane & unfrozen_pid=$!; }
  failed=0
  for pid in $image_pid $video_pid $direct_pid $unfrozen_pid; do wait "$pid" || failed=1; done
  # what the other lanes trained still comes back: a failed lane must not cost the whole call
  [ $failed -eq 0 ] || echo "== a lane failed: returning what the lanes saved"
else
  # A stage that fails stops the call at once, so device time is left to run it again.
  run_stage image train_image || exit 1
  run_stage video_a train_video --stage a || exit 1
  run_stage video_b train_video --stage b $spatial_flag || exit 1
  video_decoder_stage || exit 1
  [ -z "$DIRECT" ] || direct_lane || exit 1
  [ "$UNFROZEN" != 1 ] || unfrozen_lane || exit 1
fi
echo "== training done at $(date +%T)"

$PY -m firstframe_train.slim_run "$RUN" "$OUT/run/$PRESET" || exit 1
return_side_run() {  # side (direct|unfrozen) stage: of a side run only that stage's checkpoint and logs come back
  local side=$1 stage=$2 tmp="$OUT/run/$1-all"
  mkdir -p "$OUT/run/$side/$PRESET"
  $PY -m firstframe_train.slim_run "runs/$side/$PRESET" "$tmp" || return 1
  mv "$tmp/$stage"* "$OUT/run/$side/$PRESET/" && rm -rf "$tmp"
}
[ -z "$DIRECT" ] || return_side_run direct direct || exit 1
[ "$UNFROZEN" != 1 ] || return_side_run unfrozen video_b || exit 1
tar -C "$OUT/run" -czf - . | split -b 15m - "$OUT/run.tar.gz.part-"
rm -rf "$OUT/run"
ls -la "$OUT"
exit "${failed:-0}"
