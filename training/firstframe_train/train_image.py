"""Stage 2: text encoder + text-to-image U-Net, trained jointly on first frames.
v-prediction on the zero-terminal-SNR schedule; the caption is replaced by "" with
probability text_dropout so classifier-free guidance works.
--no-zero-snr trains on the plain linear schedule instead (the ablation of zero terminal SNR;
the checkpoint records it, and evaluate.py samples with the schedule it was trained on).
Usage: python3 -m firstframe_train.train_image --preset cpu [--steps N] [--max-minutes M] [--freeze-text]"""
import numpy as np
import torch

from .bundle import load_autoencoder, load_tokenizer, new_image_unet, new_text_encoder
from .data import LatentPool, default_data_workers, loss_weight, rendered_batches, weighted_mse
from .runs import load_checkpoint
from .schedule import TrainingSchedule, schedule_config, trained_with_zero_terminal_snr
from .trainer import stage_arguments, stage_setup, train_stage


def drop_captions(captions, rng, p):
    return ["" if rng.random() < p else c for c in captions]


def main(argv=None):
    parser = stage_arguments(__doc__)
    parser.add_argument("--freeze-text", action="store_true",
                        help="keep the text encoder as it is (a video model trained against it goes on at the same time)")
    parser.add_argument("--no-zero-snr", action="store_true",
                        help="ablation: train without the zero-terminal-SNR rescale of the noise schedule")
    args = parser.parse_args(argv)
    preset, stage, steps, batch, run, device = stage_setup(args, "image")
    tokenizer = load_tokenizer(run)
    ae, scaling_factor = load_autoencoder(preset, run)
    ae.to(device)
    path = run / "image.pt"
    zero_terminal_snr = not args.no_zero_snr
    if path.exists():
        saved = load_checkpoint(path)
        start = saved["step"]
        if trained_with_zero_terminal_snr(saved) != zero_terminal_snr:
            raise SystemExit(f"{path} was trained with zero_terminal_snr={trained_with_zero_terminal_snr(saved)}; "
                             "continue it with the same schedule (add or drop --no-zero-snr)")
    else:
        start = 0
    seed = preset.seed * 1000 + 2 + start + args.seed_offset
    torch.manual_seed(seed)
    text_encoder, unet = new_text_encoder(preset, tokenizer), new_image_unet(preset)
    text_encoder.requires_grad_(not args.freeze_text)
    rng = np.random.default_rng(seed)
    schedule = TrainingSchedule(schedule_config(zero_terminal_snr))
    frames = rendered_batches(seed, max(1, batch // 4), "first", workers=default_data_workers(device), device=device)

    def encode(images):
        with torch.autocast(device.type, enabled=False):  # targets in float32 under bf16 training
            return ae.encoder(images) * scaling_factor

    pool = LatentPool(frames, encode, size=8 * batch, rng=rng)

    def loss_fn(step):
        x0, masks, captions = pool.batch(batch)
        ids, mask = tokenizer.encode_batch(drop_captions(captions, rng, stage.text_dropout))
        context = text_encoder(ids.to(device), mask.to(device))
        t = schedule.sample_timesteps(batch, device=device)
        noise = torch.randn_like(x0)
        pred = unet(schedule.add_noise(x0, noise, t), t.float(), context)
        return weighted_mse(pred, schedule.v_target(x0, noise, t), loss_weight(masks))

    train_stage(name="image", run=run, device=device, modules={"text_encoder": text_encoder, "unet": unet},
                total_steps=steps, lr=stage.lr, loss_fn=loss_fn, max_minutes=args.max_minutes,
                save_every_s=args.save_every_s, batch_size=batch,
                extra_state={"zero_terminal_snr": zero_terminal_snr})


if __name__ == "__main__":
    main()
