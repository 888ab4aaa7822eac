"""Stage B's loss on fixed clips, by kind of scene: a cheap, sensitive look at what a round of
video training changed, before the 200-prompt `npm run eval` that scores what the judge sees.
Every run is scored on the same clips (the world's own mix, from a seed no training uses), the
same noise and timesteps, the first frame always given and the caption never dropped, so two
runs compare clip by clip. The video U-Net is the run's latest stage (EMA weights); the text
encoder and autoencoder are each run's own.
Usage: python3 -m firstframe_train.video_loss --preset cpu_on_gpu --runs runs/a runs/b [--clips 256]
Prints per run the mean loss over all clips and by kind (data.HARD_CASES, and clips with none
of them), and for every run after the first the mean paired difference to it, with its
standard error (negative: lower loss than the first run)."""
import argparse
from pathlib import Path

import numpy as np
import torch

from . import world
from .bundle import latest_video_stage, load_autoencoder, load_image_stage, load_tokenizer, load_video_unet
from .config import get_preset
from .data import HARD_CASES, WorldStream, loss_weight, object_mask, weighted_mse
from .runs import log, run_dir
from .schedule import TrainingSchedule
from .train_video import clip_latents, image_conditioning

CLIP_SEED = 4_242_000  # far from every training seed (preset seed * 1000 + small offsets)

def clip_kinds(captions) -> dict[str, np.ndarray]:
    """Boolean masks over the clips: each of data.HARD_CASES, "none of those" and "all"."""
    objects = [world.parse_caption(c)[0] for c in captions]
    kinds = {name: np.array([test(o) for o in objects]) for name, test in HARD_CASES.items()}
    kinds["none of those"] = ~np.any(list(kinds.values()), axis=0)
    kinds["all"] = np.ones(len(captions), dtype=bool)
    return kinds


@torch.no_grad()
def clip_losses(preset, run: Path, clips: int, batch: int) -> tuple[np.ndarray, list[str]]:
    """Per-clip weighted v-prediction loss of the run's video U-Net on the fixed clips."""
    tokenizer = load_tokenizer(run)
    ae, scaling_factor = load_autoencoder(preset, run)
    text_encoder, _ = load_image_stage(preset, run, tokenizer)
    stage = latest_video_stage(run)
    if stage is None:
        raise SystemExit(f"{run} has no video_b.pt or video_a.pt")
    unet = load_video_unet(preset, run, stage)
    stream = WorldStream(CLIP_SEED, num_frames=16)
    schedule = TrainingSchedule()
    generator = torch.Generator().manual_seed(CLIP_SEED)
    losses, all_captions = [], []
    for start in range(0, clips, batch):
        pixels, captions = stream.videos(min(batch, clips - start))
        b, f = pixels.shape[:2]
        x0 = clip_latents(ae, scaling_factor, pixels)
        ids, mask = tokenizer.encode_batch(captions)
        context = text_encoder(ids, mask)
        t = schedule.sample_timesteps(b, generator=generator)
        noise = torch.randn(x0.shape, generator=generator)
        cond = image_conditioning(x0[:, :, 0], f, torch.ones(b, dtype=torch.bool))
        pred = unet(torch.cat([schedule.add_noise(x0, noise, t), cond], dim=1), t.float(), context)
        weight = loss_weight(object_mask(pixels, captions))
        target = schedule.v_target(x0, noise, t)
        losses += [weighted_mse(pred[i:i + 1], target[i:i + 1], weight[i:i + 1]).item() for i in range(b)]
        all_captions += captions
    return np.array(losses), all_captions


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--runs", nargs="+", required=True, help="runs folders (the first is the reference)")
    parser.add_argument("--clips", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    results = []
    for runs in args.runs:
        run = run_dir(preset.name, runs)
        log(f"[video_loss] {run}: {args.clips} clips")
        results.append(clip_losses(preset, run, args.clips, args.batch))
    reference, captions = results[0]
    kinds = clip_kinds(captions)
    print("| run | " + " | ".join(f"{k} ({m.sum()})" for k, m in kinds.items()) + " |")
    print("|---" * (len(kinds) + 1) + "|")
    for runs, (losses, _) in zip(args.runs, results):
        print(f"| {runs} | " + " | ".join(mean_cell(losses[m]) for m in kinds.values()) + " |")
    for runs, (losses, _) in list(zip(args.runs, results))[1:]:
        cells = [mean_cell(losses[m] - reference[m], signed=True) for m in kinds.values()]
        print(f"| {runs} - {args.runs[0]} | " + " | ".join(cells) + " |")


def mean_cell(values: np.ndarray, signed: bool = False) -> str:
    """The mean, and for differences its standard error; "-" for a kind no clip has."""
    if len(values) == 0:
        return "-"
    mean = f"{values.mean():+.4f}" if signed else f"{values.mean():.4f}"
    if not signed or len(values) < 2:
        return mean
    return f"{mean} ± {values.std(ddof=1) / np.sqrt(len(values)):.4f}"


if __name__ == "__main__":
    main()
