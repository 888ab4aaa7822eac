"""Stage 1: the per-frame autoencoder (64x64x3 <-> 4x16x16), then its latent scaling factor.
Usage: python3 -m firstframe_train.train_autoencoder --preset cpu [--steps N] [--max-minutes M]
       [--decoder-only]
--decoder-only fine-tunes the decoder of a trained (or imported) autoencoder with the encoder
frozen: the latents, their scaling factor and so the diffusion models trained on them stay
valid, while the decoder learns to draw small shapes sharper (see `autoencoder_eval`)."""
import torch
import torch.nn.functional as F

from .bundle import measure_scaling_factor
from .data import WorldStream
from .nets.autoencoder import Autoencoder
from .runs import load_checkpoint, save_checkpoint, log
from .trainer import stage_arguments, stage_setup, train_stage

LATENT_PENALTY = 1e-4  # keeps latents near unit scale; no KL, the encoder is deterministic
EDGE_WEIGHT = 10.0     # shapes are small and flat: their edges carry the shape, so weight them


def edge_weights(frames):
    """1 everywhere, 1 + EDGE_WEIGHT within a pixel of a colour edge. [N, 1, H, W]"""
    dx = (frames[..., :, 1:] - frames[..., :, :-1]).abs().sum(1, keepdim=True)
    dy = (frames[..., 1:, :] - frames[..., :-1, :]).abs().sum(1, keepdim=True)
    edges = F.pad(dx, (0, 1)) + F.pad(dy, (0, 0, 0, 1)) > 0
    return 1.0 + EDGE_WEIGHT * F.max_pool2d(edges.float(), 3, stride=1, padding=1)


def reconstruction_loss(recon, frames):
    w = edge_weights(frames)
    err = recon - frames
    return ((err.pow(2) + 0.5 * err.abs()) * w).mean() / w.mean()


def main(argv=None):
    parser = stage_arguments(__doc__)
    parser.add_argument("--decoder-only", action="store_true",
                        help="train the decoder only; the encoder and the scaling factor stay as saved")
    parser.add_argument("--latent-noise", type=float, default=0.0,
                        help="with --decoder-only: Gaussian noise of this std (in units of the scaled "
                             "latents the U-Nets see) added to the latents the decoder trains on")
    args = parser.parse_args(argv)
    if args.latent_noise and not args.decoder_only:
        raise SystemExit("--latent-noise needs --decoder-only (the encoder would learn to outgrow the noise)")
    preset, stage, steps, batch, run, device = stage_setup(args, "autoencoder")
    torch.manual_seed(preset.seed)
    ae = Autoencoder(preset.autoencoder)
    kept_scaling_factor = None  # --decoder-only: the saved one, else measured after training
    if args.decoder_only:
        if not (run / "autoencoder.pt").exists():
            raise SystemExit(f"--decoder-only fine-tunes a trained autoencoder: {run / 'autoencoder.pt'} "
                             "does not exist (train stage 1 or run import_model first)")
        ae.encoder.requires_grad_(False)
        # The diffusion models were trained on latents times this factor: the encoder does not
        # change, so neither does it (kept in every checkpoint of the fine-tuning).
        kept_scaling_factor = load_checkpoint(run / "autoencoder.pt")["scaling_factor"]
    stream = WorldStream(preset.seed * 1000 + 1 + _resume_step(run) + args.seed_offset)

    def loss_fn(step):
        frames = stream.random_frames(batch).to(device)
        latent = ae.encoder(frames)
        # Generated latents are never exactly an encoder's: noise teaches the decoder their neighbourhood.
        noise = args.latent_noise / kept_scaling_factor * torch.randn_like(latent) if args.latent_noise else 0.0
        recon = ae.decoder(latent + noise)
        return reconstruction_loss(recon, frames) + LATENT_PENALTY * latent.pow(2).mean()

    ema = train_stage(name="autoencoder", run=run, device=device, modules={"autoencoder": ae},
                      total_steps=steps, lr=stage.lr, loss_fn=loss_fn, max_minutes=args.max_minutes,
                      save_every_s=args.save_every_s, batch_size=batch,
                      extra_state={"scaling_factor": kept_scaling_factor} if args.decoder_only else None)
    encoder = ema["autoencoder"].encoder
    frames = WorldStream(12345).random_frames(256).to(device)
    scaling_factor = kept_scaling_factor if args.decoder_only else measure_scaling_factor(encoder, frames)
    with torch.no_grad():
        recon = ema["autoencoder"].decoder(encoder(frames))
        err = (recon - frames).abs().mul(127.5).mean().item()
    ckpt = load_checkpoint(run / "autoencoder.pt")
    ckpt.update(scaling_factor=scaling_factor, eval_mean_abs_error_0_255=err)
    save_checkpoint(run / "autoencoder.pt", **ckpt)
    log(f"[autoencoder] scaling_factor {scaling_factor:.4f}; reconstruction mean abs error {err:.2f} / 255")


def _resume_step(run):
    path = run / "autoencoder.pt"
    return load_checkpoint(path)["step"] if path.exists() else 0


if __name__ == "__main__":
    main()
