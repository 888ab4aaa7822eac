"""Runs every stage in order, each as its own process (so a stage resumes from its checkpoint
if this is started again): tokenizer, autoencoder, image, video a, video b [, direct a, b].
Usage: python3 -m firstframe_train.train_all --preset cpu \
           [--minutes autoencoder=10,image=55,video_a=25,video_b=22] [--direct]
           [--mask-mix first=0.7,interpolate=0.15,continue=0.15]
--minutes caps each stage's wall time (the stage stops with a checkpoint; steps still come
from the preset). OMP_WAIT_POLICY=PASSIVE keeps OpenMP from spinning on a shared CPU."""
import argparse
import os
import subprocess
import sys
import time

from .runs import log

STAGES = [("autoencoder", ["train_autoencoder"]), ("image", ["train_image"]),
          ("video_a", ["train_video", "--stage", "a"]), ("video_b", ["train_video", "--stage", "b"])]
DIRECT = [("direct_a", ["train_video", "--stage", "a", "--direct"]),
          ("direct_b", ["train_video", "--stage", "b", "--direct"])]


def parse_minutes(text: str) -> dict:
    out = {}
    for item in filter(None, (text or "").split(",")):
        key, _, value = item.partition("=")
        out[key.strip()] = float(value)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--runs", default=None)
    parser.add_argument("--minutes", default="", help="per-stage wall-time caps, e.g. image=55,video_a=25")
    parser.add_argument("--direct", action="store_true", help="also train the direct text-to-video baseline")
    parser.add_argument("--mask-mix", default=None,
                        help="conditioning masks of the video stages A and B (train_video --mask-mix)")
    parser.add_argument("--start-at", default=None, help="skip the stages before this one (e.g. image)")
    args = parser.parse_args(argv)
    minutes = parse_minutes(args.minutes)
    common = ["--preset", args.preset] + (["--runs", args.runs] if args.runs else [])
    env = dict(os.environ, OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "PASSIVE"), PYTHONUNBUFFERED="1")
    commands = [("tokenizer", ["build_tokenizer"])] + STAGES + (DIRECT if args.direct else [])
    if args.start_at:
        names = [name for name, _ in commands]
        if args.start_at not in names:
            raise SystemExit(f"--start-at {args.start_at!r}: allowed {', '.join(names)}")
        commands = commands[names.index(args.start_at):]
    t0 = time.time()
    for name, cmd in commands:
        extra = ["--max-minutes", str(minutes[name])] if name in minutes else []
        if args.mask_mix and name in ("video_a", "video_b"):
            extra += ["--mask-mix", args.mask_mix]
        full = [sys.executable, "-m", f"firstframe_train.{cmd[0]}"] + cmd[1:] + common + extra
        log(f"[train_all] {name}: {' '.join(full[2:])}  (t+{(time.time() - t0) / 60:.1f} min)")
        subprocess.run(full, check=True, env=env)
    log(f"[train_all] done in {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
