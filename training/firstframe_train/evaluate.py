"""Samples prompts with the reference sampler, writes MP4s the way the product does, reads
them back and scores them with the judge.
For each prompt: text-to-image (first frame) -> decode to uint8 -> encode again (as the product
does with the voted image) -> image-to-video -> MP4 -> judge_file. The first frame is also
judged alone (repeated 16 times against the caption with every motion set to "still"), which
scores the text-to-image step by itself.
Usage: python3 -m firstframe_train.evaluate --preset cpu [--count 12] [--held-out 4]
           [--steps N] [--image-steps N] [--out runs/cpu/samples] [--scores runs/cpu/scores.json] [--direct]"""
import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch

from . import judge, media, world
from .bundle import load_bundle
from .config import VIDEO_FRAMES, get_preset
from .data import pixels_to_tensor, tensor_to_pixels
from .export import DEFAULTS
from .pipeline import ReferencePipeline
from .runs import load_checkpoint, log, pick_device, run_dir
from .schedule import run_schedule_config

ATTRIBUTES = ["caption", "background", "colour", "shape", "size", "motion", "consistency"]


def still_caption(caption: str) -> str:
    objects, background = world.parse_caption(caption)
    return world.caption([dataclasses.replace(o, motion="still") for o in objects], background)


def evaluation_scenes(seed: int, count: int, held_out: int) -> list:
    rng = np.random.default_rng(seed)
    return ([world.sample_scene(rng, held_out="exclude") for _ in range(count)] +
            [world.sample_scene(rng, held_out="only") for _ in range(held_out)])


def evaluation_prompts(seed: int, count: int, held_out: int) -> list[str]:
    return [scene.caption for scene in evaluation_scenes(seed, count, held_out)]


def generate(pipe, prompt, gen, steps, scheduler, unet="video", guidance=None, image_steps=None):
    """-> (first frame uint8 [64,64,3], video uint8 [16,64,64,3] or None when unet is None).
    steps: the video's; image_steps: the first frame's (default: steps). scheduler None: the
    model's defaults per stage (the video's with its eta), as the engine; a name: both stages, plain."""
    d = dict(DEFAULTS, **(guidance or {}))
    image_eta, video_eta = (0.0, 0.0) if scheduler else (d.get("first_frame_eta", 0.0), d.get("video_eta", 0.0))
    video_scheduler = scheduler or d.get("video_scheduler", d["scheduler"])
    scheduler = scheduler or d["scheduler"]
    noise = torch.randn(1, 4, 16, 16, generator=gen)
    _, image = pipe.text_to_image(prompt, noise, scheduler=scheduler, steps=image_steps or steps,
                                  eta=image_eta, generator=gen,
                                  guidance_scale=d["first_frame_guidance_scale"],
                                  guidance_rescale=d["guidance_rescale"])
    first_u8 = tensor_to_pixels(image[0])
    if unet is None:
        return first_u8, None
    video_noise = torch.randn(1, 4, VIDEO_FRAMES, 16, 16, generator=gen)
    first_latent = pipe.encode_image(pixels_to_tensor(first_u8)[None])
    if unet == "direct":
        first_latent = torch.zeros_like(first_latent)
    _, frames = pipe.image_to_video(prompt, first_latent, video_noise, scheduler=video_scheduler, steps=steps,
                                    eta=video_eta, generator=gen,
                                    guidance_scale=d["guidance_scale"],
                                    image_guidance_scale=d["image_guidance_scale"],
                                    guidance_rescale=d["guidance_rescale"], unet=unet)
    return first_u8, tensor_to_pixels(frames)


def default_samplers() -> str:
    """The model's samplers per stage, e.g. "dpmpp_2m (first frame) / ddim eta 0.5 (video)"."""
    def named(scheduler, eta):
        return f"{scheduler} eta {eta}" if eta else scheduler
    return (f"{named(DEFAULTS['scheduler'], DEFAULTS.get('first_frame_eta', 0.0))} (first frame) / "
            f"{named(DEFAULTS.get('video_scheduler', DEFAULTS['scheduler']), DEFAULTS.get('video_eta', 0.0))} (video)")


def summary_markdown(scores: dict) -> str:
    lines = [f"Judge scores ({scores['count']} seen + {scores['held_out']} held-out prompts, "
             f"{scores['scheduler']} {scores['image_steps']} (first frame) / {scores['steps']} (video) steps, "
             f"guidance {scores.get('first_frame_guidance_scale', scores['guidance_scale'])} (first frame) / "
             f"{scores['guidance_scale']} (video), image guidance "
             f"{scores['image_guidance_scale']}, seed {scores['seed']}; fraction correct):", "",
             "| what | " + " | ".join(ATTRIBUTES) + " |", "|---" * (len(ATTRIBUTES) + 1) + "|"]
    for key, label in (("video", "video (MP4 read back)"), ("first_frame", "first frame alone"),
                       ("direct", "direct T2V baseline")):
        for group in ("seen", "held_out"):
            stats = scores.get(key, {}).get(group)
            if stats and stats["videos"] > 0:
                cells = [f"{stats[a]:.2f}" if a in stats else "" for a in ATTRIBUTES]
                lines.append(f"| {label}, {group.replace('_', '-')} | " + " | ".join(cells) + " |")
    lines += ["", "(first frame alone: motion is 'still' by construction, so its motion column is not a score "
              "of the model.)", f"Sampling time: {scores['seconds_per_video']:.1f} s per video (PyTorch, CPU)."]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--runs", default=None)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--held-out", type=int, default=4)
    parser.add_argument("--steps", type=int, default=None,
                        help="sampling steps of both stages (default: the export's, 25 first frame / 15 video)")
    parser.add_argument("--image-steps", type=int, default=None, help="the first frame's steps (default: --steps)")
    parser.add_argument("--scheduler", default=None,
                        help="one scheduler for both stages, plain (default: the model's per stage)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", default=None, help="folder for the MP4s (default <run>/samples)")
    parser.add_argument("--scores", default=None, help="JSON output (default <run>/scores.json)")
    parser.add_argument("--direct", action="store_true", help="also score the direct text-to-video baseline")
    parser.add_argument("--direct-only", action="store_true",
                        help="score only the direct baseline (the factorized model scored in another run)")
    parser.add_argument("--image-only", action="store_true", help="score first frames only (no video stage yet)")
    parser.add_argument("--guidance-scale", type=float, default=DEFAULTS["guidance_scale"])
    parser.add_argument("--first-frame-guidance-scale", type=float, default=DEFAULTS["first_frame_guidance_scale"])
    parser.add_argument("--image-guidance-scale", type=float, default=DEFAULTS["image_guidance_scale"])
    args = parser.parse_args(argv)
    # as the engine does with a model folder's defaults: an explicit --steps sets both stages
    args.image_steps = args.image_steps or args.steps or DEFAULTS["image_num_inference_steps"]
    args.steps = args.steps or DEFAULTS["num_inference_steps"]
    preset = get_preset(args.preset)
    run = run_dir(preset.name, args.runs)
    pick_device()
    # an ablation run may be trained without zero terminal SNR: sample on the schedule it learned
    schedule = run_schedule_config(load_checkpoint(run / "image.pt"))
    if not schedule["rescale_betas_zero_snr"] and not args.image_only:
        raise SystemExit(f"{run / 'image.pt'} was trained without zero terminal SNR (an ablation arm), the video "
                         "stages with it: score its first frames with --image-only")
    bundle = load_bundle(preset, run, need_video=not args.image_only)
    pipe = ReferencePipeline(bundle, schedule)
    out = Path(args.out or run / "samples")
    out.mkdir(parents=True, exist_ok=True)
    prompts = evaluation_prompts(args.seed, args.count, args.held_out)
    verdicts = {"video": [], "first_frame": [], "direct": []}
    guidance = {"guidance_scale": args.guidance_scale, "first_frame_guidance_scale": args.first_frame_guidance_scale,
                "image_guidance_scale": args.image_guidance_scale}
    t0 = time.time()

    def judge_direct(i, prompt):
        # the same generator seed as the factorized video, so both start from the same noise
        _, direct_video = generate(pipe, prompt, torch.Generator().manual_seed(args.seed + i), args.steps,
                                   args.scheduler, unet="direct", guidance=guidance)
        direct_path = out / f"{i:02d}_direct.mp4"
        media.write_mp4(direct_video, direct_path)
        verdicts["direct"].append(judge.judge_file(direct_path, prompt))
        return verdicts["direct"][-1]

    for i, prompt in enumerate(prompts):
        if args.direct_only:
            verdict = judge_direct(i, prompt)
            log(f"[evaluate] {i + 1}/{len(prompts)} direct {prompt}: "
                f"{', '.join(verdict.failures()) or 'all correct'}")
            continue
        gen = torch.Generator().manual_seed(args.seed + i)
        first, video = generate(pipe, prompt, gen, args.steps, args.scheduler,
                                None if args.image_only else "video", guidance, args.image_steps)
        first_verdict = judge.judge(np.repeat(first[None], VIDEO_FRAMES, 0), still_caption(prompt))
        verdicts["first_frame"].append(first_verdict)
        stem = f"{i:02d}_{prompt.replace(' ', '_')[:80]}"
        media.write_mp4(first[None], out / f"{stem}_first.mp4", fps=1)
        if video is None:
            log(f"[evaluate] {i + 1}/{len(prompts)} first frame {prompt}: "
                f"{', '.join(first_verdict.failures()) or 'all correct'}")
            continue
        path = out / f"{stem}.mp4"
        media.write_mp4(video, path)
        verdict = judge.judge_file(path, prompt)
        verdicts["video"].append(verdict)
        if args.direct and bundle.unet_direct is not None:
            judge_direct(i, prompt)
        log(f"[evaluate] {i + 1}/{len(prompts)} {'ok ' if verdict.ok else 'bad'} {prompt}: "
            f"{', '.join(verdict.failures()) or 'all correct'}")
    seconds = (time.time() - t0) / len(prompts)
    scores = {"zero_terminal_snr": schedule["rescale_betas_zero_snr"],
              "count": args.count, "held_out": args.held_out, "steps": args.steps, "image_steps": args.image_steps,
              "scheduler": args.scheduler or default_samplers(),
              **guidance,
              "seed": args.seed, "seconds_per_video": seconds,
              **{k: judge.aggregate(v) for k, v in verdicts.items() if v},
              "prompts": [{"prompt": p, "ok": v.ok, "failures": v.failures()}
                          for p, v in zip(prompts, verdicts["video"] or verdicts["first_frame"] or verdicts["direct"])]}
    scores["summary_markdown"] = summary_markdown(scores)
    scores_path = Path(args.scores or run / "scores.json")
    scores_path.write_text(json.dumps(scores, indent=1, default=float) + "\n")
    print(scores["summary_markdown"])
    log(f"[evaluate] wrote {scores_path} and {len(prompts)} MP4s in {out}")


if __name__ == "__main__":
    main()
