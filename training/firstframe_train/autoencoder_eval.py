"""The ceiling the autoencoder puts on every score: the judge on rendered clips against the same
clips encoded and decoded frame by frame (through MP4, as the product writes them). A diffusion
model that drew perfect latents would still score no better than the second row.
Usage: python3 -m firstframe_train.autoencoder_eval --preset cpu [--runs R] [--count 160]
           [--held-out 40] [--seed 2024]
(the scenes come from the evaluation's sampler and seed: the same captions as `evaluate.py`)"""
import argparse
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from . import media, world
from .bundle import load_autoencoder
from .config import get_preset
from .data import pixels_to_tensor, tensor_to_pixels
from .evaluate import evaluation_scenes
from .judge import aggregate, judge
from .runs import run_dir

ROW_ATTRIBUTES = ("colour", "shape", "size", "motion", "consistency", "background", "caption")


@torch.no_grad()
def round_trip(autoencoder, video: np.ndarray) -> np.ndarray:
    """uint8 [F, 64, 64, 3] -> the same frames encoded and decoded."""
    return tensor_to_pixels(autoencoder.decoder(autoencoder.encoder(pixels_to_tensor(video))))


def judged(videos: list, scenes: list, folder: Path, name: str) -> list:
    paths = [folder / f"{name}-{i:03d}.mp4" for i in range(len(videos))]
    media.write_mp4s(videos, paths)
    return [judge(frames, s.caption) for frames, s in zip(media.read_videos(paths), scenes)]


def shape_failures(verdicts) -> Counter:
    """(shape, size word) -> objects whose shape or consistency failed."""
    return Counter((o.spec.shape, o.spec.size or "medium") for v in verdicts for o in v.objects
                   if not (o.shape and o.consistency))


def report(rows: dict) -> str:
    lines = ["| frames | " + " | ".join(ROW_ATTRIBUTES) + " |", "|---|" + "---|" * len(ROW_ATTRIBUTES)]
    for name, verdicts in rows.items():
        stats = aggregate(verdicts)
        cells = [f"{100 * stats['seen'][a]:.1f} / {100 * stats['held_out'][a]:.1f}" for a in ROW_ATTRIBUTES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("(seen / held-out %)")
    for name, verdicts in rows.items():
        worst = ", ".join(f"{shape} {size}: {n}" for (shape, size), n in shape_failures(verdicts).most_common(4))
        lines.append(f"{name}: objects failing shape or consistency, most by (shape, size): {worst or 'none'}")
    return "\n".join(lines)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--runs", default=None)
    parser.add_argument("--count", type=int, default=160)
    parser.add_argument("--held-out", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    autoencoder, _ = load_autoencoder(preset, run_dir(preset.name, args.runs))
    scenes = evaluation_scenes(args.seed, args.count, args.held_out)
    rendered = [world.render(s) for s in scenes]
    with tempfile.TemporaryDirectory() as tmp:
        rows = {"rendered": judged(rendered, scenes, Path(tmp), "rendered"),
                "autoencoder round trip": judged([round_trip(autoencoder, v) for v in rendered],
                                                 scenes, Path(tmp), "round-trip")}
    text = report(rows)
    print(text)
    return text


if __name__ == "__main__":
    main()
