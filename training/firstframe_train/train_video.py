"""Stages 3a/3b: the image-to-video U-Net (Emu Video step 2), and with --direct the direct
text-to-video baseline. Spatial layers come from the image stage and stay frozen; trainable
are the temporal blocks and the widened input conv.
  --stage a: `train_video_a` frames (8), initialised from the image U-Net
  --stage b: `train_video_b` frames (16), initialised from stage a
  --direct : baseline, image channels always zero, same init / steps / batch as a then b
             (run it as --direct --stage a, then --direct --stage b; checkpoint direct.pt)
  --train-spatial: the ablation of Emu Video's frozen spatial layers: every U-Net weight trains
             (use its own --runs folder: the checkpoint names are the same)
  --mask-mix first=0.7,interpolate=0.15,continue=0.15: the conditioning masks' shares
             (data.MASK_KINDS; default first=1: image-to-video only, as before; kept on resume)
Input channels (docs/model-format.md): noisy latent (4), conditioning latents at the masked frames
and zeros elsewhere (4), mask (1); first-frame only: frame 0. Text and image are dropped independently.
Usage: python3 -m firstframe_train.train_video --preset cpu --stage a [--direct]"""
import numpy as np
import torch

from .bundle import load_autoencoder, load_image_stage, load_tokenizer, new_video_unet
from .data import (FIRST_ONLY, default_data_workers, format_mask_mix, loss_weight, object_mask, parse_mask_mix,
                   rendered_batches, sample_condition_masks, weighted_mse)
from .nets.layers import FRAME_ANCHORS
from .nets.unet import video_unet_from_image_unet
from .runs import load_checkpoint, log, save_checkpoint
from .schedule import TrainingSchedule
from .train_image import drop_captions
from .trainer import stage_arguments, stage_setup, train_stage


def image_conditioning(first_latent, num_frames: int, keep: torch.Tensor):
    """first_latent [B, 4, H, W] -> [B, 5, F, H, W]: latent and mask at frame 0, zeros elsewhere;
    rows where keep is False are all zero ("no image")."""
    b, c, h, w = first_latent.shape
    cond = first_latent.new_zeros(b, c + 1, num_frames, h, w)
    cond[:, :c, 0] = first_latent
    cond[:, c, 0] = 1.0
    return cond * keep.float().reshape(b, 1, 1, 1, 1)


def masked_conditioning(latents, frame_mask: torch.Tensor, keep: torch.Tensor):
    """latents [B, 4, F, H, W], frame_mask bool [B, F] or [F] -> [B, 5, F, H, W]: the latents at the
    masked frames, zeros elsewhere, and the mask; rows where keep is False are all zero ("no image").
    With only frame 0 masked this is image_conditioning."""
    b, c, f, h, w = latents.shape
    m = frame_mask.to(latents.device).reshape(-1, 1, f, 1, 1).expand(b, 1, f, h, w).to(latents.dtype)
    cond = torch.cat([latents * m, m], dim=1)
    return cond * keep.to(latents.device).to(latents.dtype).reshape(b, 1, 1, 1, 1)


def clip_latents(ae, scaling_factor, videos):
    """videos [B, F, 3, 64, 64] -> scaled latents [B, 4, F, 16, 16] (frames encoded one by one)."""
    b, f = videos.shape[:2]
    latents = ae.encoder(videos.flatten(0, 1)) * scaling_factor
    return latents.reshape(b, f, *latents.shape[1:]).permute(0, 2, 1, 3, 4)


def initial_unet(preset, run, tokenizer, stage_letter, direct):
    checkpoint_name = "direct" if direct else f"video_{stage_letter}"
    if (run / f"{checkpoint_name}.pt").exists():
        return new_video_unet(preset)  # weights come from the checkpoint on resume
    if stage_letter == "a":
        _, image_unet = load_image_stage(preset, run, tokenizer)
        return video_unet_from_image_unet(image_unet, preset.unet, preset.text.hidden_size)
    unet = new_video_unet(preset)
    source = "direct" if direct else "video_a"
    unet.load_state_dict(load_checkpoint(run / f"{source}.pt")["ema"]["unet"])
    return unet


def main(argv=None):
    parser = stage_arguments(__doc__)
    parser.add_argument("--stage", choices=["a", "b"], required=True)
    parser.add_argument("--direct", action="store_true", help="train the direct text-to-video baseline")
    parser.add_argument("--train-spatial", action="store_true",
                        help="train the spatial layers too (ablation of the frozen spatial layers)")
    parser.add_argument("--frame-anchor", choices=FRAME_ANCHORS, default=None,
                        help="spatial self-attention keys: own frame, or own + first frame (kept once set)")
    parser.add_argument("--hard-share", type=float, default=0.0,
                        help="share of clips tilted toward the hard cases: two objects, bouncing, crosses, "
                             "small objects (data.sample_hard_scene); 0 = the world's own mix")
    parser.add_argument("--mask-mix", default=None,
                        help="shares of the conditioning masks, e.g. first=0.7,interpolate=0.15,continue=0.15 "
                             "(default: the checkpoint's, else first=1: image-to-video only)")
    args = parser.parse_args(argv)
    preset, stage, steps, batch, run, device = stage_setup(args, f"video_{args.stage}")
    name = "direct" if args.direct else f"video_{args.stage}"
    if args.direct and args.stage == "b":
        # the baseline keeps one checkpoint; stage b continues it up to a's + b's steps
        steps += (preset.train_video_a.steps if args.steps is None else 0)
    tokenizer = load_tokenizer(run)
    ae, scaling_factor = load_autoencoder(preset, run)
    text_encoder, _ = load_image_stage(preset, run, tokenizer)
    ae.to(device), text_encoder.to(device)
    path = run / f"{name}.pt"
    saved = load_checkpoint(path) if path.exists() else {}
    start = saved.get("step", 0)
    unet = initial_unet(preset, run, tokenizer, args.stage, args.direct)
    if args.train_spatial:
        unet.requires_grad_(True)
    anchor = args.frame_anchor or saved.get("frame_anchor", "own")
    mask_mix = parse_mask_mix(args.mask_mix) if args.mask_mix else saved.get("mask_mix", FIRST_ONLY)
    if args.direct and mask_mix != FIRST_ONLY:
        raise SystemExit("--mask-mix: the direct baseline has no conditioning frames")
    if mask_mix != FIRST_ONLY:
        log(f"[{name}] conditioning masks {format_mask_mix(mask_mix)}")
    unet.set_frame_anchor(anchor)
    seed = preset.seed * 1000 + 3 + start + args.seed_offset
    torch.manual_seed(seed)
    clips = rendered_batches(seed, batch, "videos", stage.num_frames, workers=default_data_workers(device),
                             device=device, hard_share=args.hard_share)
    rng = np.random.default_rng(seed)
    schedule = TrainingSchedule()
    image_dropout = 1.0 if args.direct else stage.image_dropout

    def loss_fn(step):
        videos, captions = next(clips)
        b, f = videos.shape[:2]
        ids, mask = tokenizer.encode_batch(drop_captions(captions, rng, stage.text_dropout))
        with torch.no_grad(), torch.autocast(device.type, enabled=False):  # targets in float32
            x0 = clip_latents(ae, scaling_factor, videos)
            context = text_encoder(ids.to(device), mask.to(device))
        keep_image = torch.from_numpy(rng.random(b) >= image_dropout).to(device)  # drops the whole mask
        if mask_mix == FIRST_ONLY:  # as before masks existed: the same random numbers, the same run
            cond = image_conditioning(x0[:, :, 0], f, keep_image)
        else:
            frame_mask, _ = sample_condition_masks(rng, b, f, mask_mix)
            cond = masked_conditioning(x0, torch.from_numpy(frame_mask), keep_image)
        t = schedule.sample_timesteps(b, device=device)
        noise = torch.randn_like(x0)
        pred = unet(torch.cat([schedule.add_noise(x0, noise, t), cond], dim=1), t.float(), context)
        # The loss covers every frame, the conditioned ones too, as Emu Video's F_i (its loss is the
        # plain diffusion loss over the whole clip; the given frames are only an input): cheap to
        # learn (the model sees them), it keeps today's first-frame loss unchanged, and one loss for
        # all mask kinds keeps their shares the only knob.
        weight = loss_weight(object_mask(videos, captions))  # [B, F, 16, 16]
        return weighted_mse(pred, schedule.v_target(x0, noise, t), weight)

    if args.direct and args.stage == "b" and not path.exists():
        raise SystemExit("run --direct --stage a first")
    if args.direct and args.stage == "b":
        log(f"[direct] continuing the baseline at {stage.num_frames} frames")
    train_stage(name=name, run=run, device=device, modules={"unet": unet}, total_steps=steps, lr=stage.lr,
                loss_fn=loss_fn, max_minutes=args.max_minutes, save_every_s=args.save_every_s, batch_size=batch,
                extra_state={"num_frames": stage.num_frames, "train_spatial": args.train_spatial,
                             "frame_anchor": anchor, "hard_share": args.hard_share, "mask_mix": mask_mix})


if __name__ == "__main__":
    main()
