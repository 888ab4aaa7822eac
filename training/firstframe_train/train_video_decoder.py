"""Optional last stage: a temporal video decoder (nets.autoencoder.VideoDecoder), trained to turn
the latents the video U-Net *generates* back into clean clips. The per-frame decoder was trained on
the encoder's latents only; generated ones are softer, and a small object whose latents sit
between two shapes flickers between them from frame to frame (most consistency failures,
training/experiments/06-cpu-stage-b.md). Training pairs come from SDEdit: a rendered clip is encoded, noised to a
random strength and denoised by the video U-Net from its own first frame and caption (the
product's sampler and guidance); the decoder learns the rendered clip from those latents. The
U-Nets, the encoder and the per-frame decoder (the first-frame candidates) stay as they are.
Usage (from training/):
  python3 -m firstframe_train.train_video_decoder pairs --preset cpu --count 300 --shard 0
  python3 -m firstframe_train.train_video_decoder train --preset cpu --max-minutes 40
(pairs: one shard per process, e.g. one per core; train reads every shard in the run folder. On a GPU,
`pairs --batch 256` denoises that many clips at once: training/device_run.sh, video_decoder=M)"""
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
def encode_clips(bundle, clips: np.ndarray) -> torch.Tensor:
    """uint8 [B, F, 64, 64, 3] -> scaled latents [B, C, F, h, w], on the bundle's device."""
    b, f = clips.shape[:2]
    pixels = pixels_to_tensor(clips, encoder_device(bundle)).flatten(0, 1)
    latents = bundle.autoencoder.encoder(pixels) * bundle.scaling_factor
    return latents.unflatten(0, (b, f)).transpose(1, 2)


@torch.no_grad()
def encode_first_frames(bundle, clips: np.ndarray) -> torch.Tensor:
    """uint8 [B, F, 64, 64, 3] -> the first frames' scaled latents [B, C, h, w], on the bundle's device."""
    return bundle.autoencoder.encoder(pixels_to_tensor(clips[:, 0], encoder_device(bundle))) * bundle.scaling_factor


def encoder_device(bundle) -> torch.device:
    return next(bundle.autoencoder.parameters()).device


def make_pairs(bundle, count: int, seed: int, batch: int = 1, device="cpu", max_minutes=None) -> dict:
    """count SDEdit pairs: generated latents (float16) and the rendered clips they came from.
    batch clips are denoised together (one strength per batch); batch 1 is the CPU's way, a GPU
    takes hundreds at once. max_minutes: stop early with the pairs made so far."""
    pipe = ReferencePipeline(bundle.to(device))
    stream, rng = WorldStream(seed), random.Random(seed)
    gen = torch.Generator().manual_seed(seed)
    latents, clips, strengths, captions = [], [], [], []
    started, logged = time.time(), 0
    while len(clips) < count:
        pixels, caption = stream.video_pixels(min(batch, count - len(clips)))
        clean = encode_clips(bundle, pixels)
        strength = rng.choice(STRENGTHS)
        noise = torch.randn(clean.shape, generator=gen).to(device)
        generated, _ = pipe.image_to_video(caption, clean[:, :, 0], noise, init_latents=clean, strength=strength,
                                           decode=False)
        latents.extend(generated.half().cpu())
        clips.extend(torch.from_numpy(pixels))
        strengths += [strength] * len(caption)
        captions += caption
        if len(clips) - logged >= 25 or len(clips) == count:
            logged = len(clips)
            log(f"[video_decoder pairs] {logged}/{count}, {(time.time() - started) / logged:.3f} s per clip")
        if max_minutes is not None and len(clips) < count and time.time() - started > max_minutes * 60:
            log(f"[video_decoder pairs] time budget of {max_minutes} min reached at {len(clips)} pairs")
            break
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
    bundle = load_bundle(preset, run).to(device)
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
        latents = pairs["latents"][ids].to(device).float()
        clips = pairs["clips"][ids].numpy()
        for j in range(batch):
            if rng.random() < CLEAN_FRACTION:  # a fresh rendered clip with its encoder latents
                pixels, _ = stream.video_pixels(1)
                clips[j] = pixels[0]
                latents[j] = encode_clips(bundle, pixels)[0]
        first = encode_first_frames(bundle, clips)
        frames = pixels_to_tensor(clips, device)  # [B, F, 3, H, W]
        out = decoder(video_decoder_input(latents, first, bundle.scaling_factor))  # [B, 3, F, H, W]
        return reconstruction_loss(out.permute(0, 2, 1, 3, 4).flatten(0, 1), frames.flatten(0, 1))

    ema = train_stage(name="video_decoder", run=run, device=device, modules={"video_decoder": decoder},
                      total_steps=args.steps or 100000, lr=LR, loss_fn=loss_fn, max_minutes=args.max_minutes,
                      save_every_s=args.save_every_s, batch_size=batch,
                      extra_state={"num_frames": pairs["clips"].shape[1]})
    held = list(range(min(HELD_BACK, n)))
    errors = compare(bundle.to("cpu"), ema["video_decoder"].cpu(), pairs["latents"][held], pairs["clips"][held])
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
    make.add_argument("--batch", type=int, default=1, help="clips denoised together (a GPU: 256)")
    make.add_argument("--max-minutes", type=float, default=None, help="stop early, keeping the pairs made")
    commands.add_parser("train", parents=[stage_arguments(__doc__)], add_help=False,
                        help="train the video decoder on every shard")
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    run = run_dir(preset.name, args.runs)
    device = pick_device()
    if args.command == "pairs":
        bundle = load_bundle(preset, run)
        shard = make_pairs(bundle, args.count, seed=PAIRS_SEED + args.shard, batch=args.batch, device=device,
                           max_minutes=args.max_minutes)
        path = pairs_dir(run) / f"shard-{args.shard:02d}.pt"
        save_checkpoint(path, **shard)
        log(f"[video_decoder pairs] wrote {len(shard['clips'])} pairs to {path}")
    else:
        train(args, preset, run, device)


if __name__ == "__main__":
    main()
