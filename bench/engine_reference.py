"""Times the PyTorch reference sampler (training/firstframe_train/pipeline.py) on the same
work as bench/engine.ts: 4 first-frame candidates (the reference samples one at a time) and
one 16-frame animation, for one scheduler and step count per request.
bench/engine.ts starts it with --serve and OMP_WAIT_POLICY=PASSIVE (OpenMP threads that sleep
when idle, as onnxruntime's do there) and the same thread count, then alternates its own runs
with this one's: each line on stdin is {"scheduler": ..., "steps": ...}, each answer one JSON
line. By hand (one run per scheduler and step count, then exit):
  OMP_WAIT_POLICY=PASSIVE PYTHONPATH=training /usr/bin/python3 bench/engine_reference.py \
      --preset cpu --run training/runs/cpu --threads 1 --schedulers ddim,euler,dpmpp_2m --steps 4,15"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch

from firstframe_train.bundle import load_bundle
from firstframe_train.config import VIDEO_FRAMES, get_preset
from firstframe_train.pipeline import ReferencePipeline

PROMPT = "a red circle moving right on a black background"


def measure(pipe, gen, prompt, scheduler, steps):
    start = time.perf_counter()
    latents = []
    for _ in range(4):
        noise = torch.randn(1, 4, 16, 16, generator=gen)
        latent, _ = pipe.text_to_image(prompt, noise, scheduler=scheduler, steps=steps)
        latents.append(latent)
    candidates_s = time.perf_counter() - start
    start = time.perf_counter()
    first_latent = pipe.encode_image(pipe.decode(latents[0]).clamp(-1, 1))
    noise = torch.randn(1, 4, VIDEO_FRAMES, 16, 16, generator=gen)
    pipe.image_to_video(prompt, first_latent, noise, scheduler=scheduler, steps=steps)
    video_s = time.perf_counter() - start
    return {"scheduler": scheduler, "steps": steps, "candidates_s": candidates_s, "video_s": video_s}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", required=True)
    parser.add_argument("--run", required=True, help="run folder with the stage checkpoints")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--schedulers", default="ddim,euler,dpmpp_2m")
    parser.add_argument("--steps", default="4,15")
    parser.add_argument("--prompt", default=PROMPT)
    parser.add_argument("--serve", action="store_true", help="answer requests read from stdin")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    bundle = load_bundle(get_preset(args.preset), Path(args.run))
    pipe = ReferencePipeline(bundle)
    gen = torch.Generator().manual_seed(0)
    # Warm-up, as bench/engine.ts does: first calls allocate and pick kernels.
    warm, _ = pipe.text_to_image(args.prompt, torch.randn(1, 4, 16, 16, generator=gen), steps=1)
    pipe.image_to_video(args.prompt, warm, torch.randn(1, 4, VIDEO_FRAMES, 16, 16, generator=gen), steps=1)
    if args.serve:
        print(json.dumps({"ready": True, "threads": torch.get_num_threads()}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            print(json.dumps(measure(pipe, gen, args.prompt, request["scheduler"], request["steps"])), flush=True)
        return
    for scheduler in args.schedulers.split(","):
        for steps in (int(s) for s in args.steps.split(",")):
            print(json.dumps(measure(pipe, gen, args.prompt, scheduler, steps)), flush=True)


if __name__ == "__main__":
    main()
