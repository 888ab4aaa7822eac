"""Optional last stage: a temporal video decoder (nets.autoencoder.VideoDecoder), trained to turn
the latents the video U-Net *generates* back into clean clips. The per-frame decoder was trained on
the encoder's latents only; generated ones are softer, and a small object whose latents sit
between two shapes flickers between them from frame to frame (most consistency failures,
training/README.md). Training pairs come from SDEdit: a rendered clip is encoded, noised to a
random strength and denoised by the video U-Net from its own first frame and caption (the
product's sampler and guidance); the decoder learns the rendered clip from those latents. The
U-Nets, the encoder and the per-frame decoder (the first-frame candidates) stay as they are.
Usage (from training/):
  python3 -m firstframe_train.train_video_decoder pairs --preset cpu --count 300 --shard 0
  python3 -m firstframe_train.train_video_decoder train --preset cpu --max-minutes 40
(pairs: one shard per process, e.g. one per core; train reads every shard in the run folder)"""
import argparse
import random
import time

import numpy as np
import torch

from .bundle import load_bundle, new_video_decoder
from .config import get_preset
from .data import WorldStream, pixels_to_tensor
from .pipeline import ReferencePipeline, video_decoder_input
from .runs import load_checkpoint, log, pick_device, run_dir, save_checkpoint
from .train_autoencoder import reconstruction_loss
from .trainer import stage_arguments, train_stage

# Above ~0.8 the regenerated clip drifts from the rendered one (speeds vary 24-32 px per clip),
# and the decoder would be asked to move objects, which is the U-Net's job.
STRENGTHS = (0.2, 0.33, 0.47, 0.6, 0.73, 0.8)
CLEAN_FRACTION = 0.15   # share of clips with the encoder's own latents: keeps those decoded as before
HELD_BACK = 16          # pairs of shard 0 kept out of training, for the closing comparison
LR, BATCH = 5e-4, 4     # clips of 16 frames per step
PAIRS_SEED = 5_000_000  # + shard: clips no other stage's stream starts from


def pairs_dir(run):
    path = run / "video_decoder_pairs"
    path.mkdir(exist_ok=True)
    return path


@torch.no_grad()
def encode_clip(bundle, pixels: np.ndarray) -> torch.Tensor:
    """uint8 [F, 64, 64, 3] -> scaled latents [1, C, F, h, w]."""
    latents = bundle.autoencoder.encoder(pixels_to_tensor(pixels)) * bundle.scaling_factor
    return latents.permute(1, 0, 2, 3)[None]


@torch.no_grad()
def encode_first_frames(bundle, clips: np.ndarray) -> torch.Tensor:
    """uint8 [B, F, 64, 64, 3] -> the first frames' scaled latents [B, C, h, w]."""
    return bundle.autoencoder.encoder(pixels_to_tensor(clips[:, 0])) * bundle.scaling_factor


def make_pairs(bundle, count: int, seed: int) -> dict:
    """count SDEdit pairs: generated latents (float16) and the rendered clips they came from."""
    pipe = ReferencePipeline(bundle)
    stream, rng = WorldStream(seed), random.Random(seed)
    gen = torch.Generator().manual_seed(seed)
    latents, clips, strengths, captions = [], [], [], []
    started = time.time()
    for i in range(count):
        pixels, caption = stream.video_pixels(1)
        clean = encode_clip(bundle, pixels[0])
        strength = rng.choice(STRENGTHS)
        noise = torch.randn(clean.shape, generator=gen)
        generated, _ = pipe.image_to_video(caption[0], clean[:, :, 0], noise, init_latents=clean, strength=strength)
        latents.append(generated[0].half())
        clips.append(torch.from_numpy(pixels[0]))
        strengths.append(strength)
        captions.append(caption[0])
        if (i + 1) % 25 == 0:
            log(f"[video_decoder pairs] {i + 1}/{count}, {(time.time() - started) / (i + 1):.2f} s per clip")
    return {"latents": torch.stack(latents), "clips": torch.stack(clips), "strengths": strengths,
            "captions": captions, "seed": seed}


def load_pairs(run) -> dict:
    shards = sorted(pairs_dir(run).glob("shard-*.pt"))
    if not shards:
        raise SystemExit(f"no pairs in {pairs_dir(run)}: run `train_video_decoder pairs` first")
    parts = [load_checkpoint(path) for path in shards]
    return {"latents": torch.cat([p["latents"] for p in parts]), "clips": torch.cat([p["clips"] for p in parts])}


@torch.no_grad()
def compare(bundle, video_decoder, latents, clips) -> dict:
    """Mean abs error (0..255) against the rendered clips: per-frame decoder vs video decoder."""
    per_frame, video = [], []
    for generated, clip in zip(latents.float(), clips.numpy()):
        target = pixels_to_tensor(clip)  # [F, 3, H, W]
        first = encode_first_frames(bundle, clip[None])
        decoded = bundle.autoencoder.decoder(generated.permute(1, 0, 2, 3) / bundle.scaling_factor)
        per_frame.append((decoded - target).abs().mean().item() * 127.5)
        out = video_decoder(video_decoder_input(generated[None], first, bundle.scaling_factor))[0].permute(1, 0, 2, 3)
        video.append((out - target).abs().mean().item() * 127.5)
    return {"per_frame": float(np.mean(per_frame)), "video_decoder": float(np.mean(video))}


def train(args, preset, run, device):
    bundle = load_bundle(preset, run)
    pairs = load_pairs(run)
    n = len(pairs["clips"])
    train_ids = list(range(HELD_BACK, n)) if n > 2 * HELD_BACK else list(range(n))
    decoder = new_video_decoder(preset)
    if not (run / "video_decoder.pt").exists():  # start from the per-frame decoder (temporal blocks: identity)
        decoder.decoder.load_state_dict(bundle.autoencoder.decoder.state_dict())
    stream = WorldStream(preset.seed * 1000 + 77 + args.seed_offset)
    rng = np.random.default_rng(args.seed_offset)
    batch = args.batch_size or BATCH

    def loss_fn(step):
        ids = rng.choice(train_ids, batch)
        latents = pairs["latents"][ids].float()
        clips = pairs["clips"][ids].numpy()
        for j in range(batch):
            if rng.random() < CLEAN_FRACTION:  # a fresh rendered clip with its encoder latents
                pixels, _ = stream.video_pixels(1)
                clips[j] = pixels[0]
                latents[j] = encode_clip(bundle, pixels[0])[0]
        first = encode_first_frames(bundle, clips)
        frames = pixels_to_tensor(clips, device)  # [B, F, 3, H, W]
        out = decoder(video_decoder_input(latents, first, bundle.scaling_factor).to(device))  # [B, 3, F, H, W]
        return reconstruction_loss(out.permute(0, 2, 1, 3, 4).flatten(0, 1), frames.flatten(0, 1))

    ema = train_stage(name="video_decoder", run=run, device=device, modules={"video_decoder": decoder},
                      total_steps=args.steps or 100000, lr=LR, loss_fn=loss_fn, max_minutes=args.max_minutes,
                      save_every_s=args.save_every_s, batch_size=batch,
                      extra_state={"num_frames": pairs["clips"].shape[1]})
    held = list(range(min(HELD_BACK, n)))
    errors = compare(bundle, ema["video_decoder"].cpu(), pairs["latents"][held], pairs["clips"][held])
    log(f"[video_decoder] held-back pairs ({len(held)}), mean abs error of 255: per-frame decoder "
        f"{errors['per_frame']:.2f}, video decoder {errors['video_decoder']:.2f}")
    ckpt = load_checkpoint(run / "video_decoder.pt")
    ckpt.update(held_back_errors=errors)
    save_checkpoint(run / "video_decoder.pt", **ckpt)
    return errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("pairs", help="generate one shard of SDEdit training pairs")
    make.add_argument("--preset", default="cpu")
    make.add_argument("--runs", default=None)
    make.add_argument("--count", type=int, required=True)
    make.add_argument("--shard", type=int, required=True, help="shard number; also picks the clips' seed")
    commands.add_parser("train", parents=[stage_arguments(__doc__)], add_help=False,
                        help="train the video decoder on every shard")
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    run = run_dir(preset.name, args.runs)
    device = pick_device()
    if args.command == "pairs":
        bundle = load_bundle(preset, run)
        shard = make_pairs(bundle, args.count, seed=PAIRS_SEED + args.shard)
        path = pairs_dir(run) / f"shard-{args.shard:02d}.pt"
        save_checkpoint(path, **shard)
        log(f"[video_decoder pairs] wrote {args.count} pairs to {path}")
    else:
        train(args, preset, run, device)


if __name__ == "__main__":
    main()
