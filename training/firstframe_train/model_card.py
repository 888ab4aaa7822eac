"""README.md model card for an exported model folder: what was trained, for how long, how well."""
import json
import statistics
from pathlib import Path

from .nets.unet import is_trainable_in_video
from .runs import load_checkpoint

STAGES = [("autoencoder", "autoencoder (per frame)"), ("image", "text encoder + text-to-image U-Net"),
          ("video_a", "image-to-video, stage A"), ("video_b", "image-to-video, stage B"),
          ("video_decoder", "temporal video decoder (SDEdit pairs)"),
          ("direct", "direct text-to-video baseline (ablation)")]


SCHEDULER_NAMES = {"dpmpp_2m": "DPM-Solver++ 2M", "ddim": "DDIM", "euler": "Euler"}


def sampling_defaults(defaults: dict) -> str:
    """The card's sentence on model_index.json's sampling defaults (each stage's, as the engine reads them)."""
    steps = defaults["num_inference_steps"]
    image_steps = defaults.get("image_num_inference_steps", steps)
    image_guidance = defaults.get("first_frame_guidance_scale", defaults["guidance_scale"])
    video = defaults.get("video_scheduler", defaults["scheduler"])
    eta = defaults.get("video_eta", 0.0) if video == "ddim" else 0.0
    with_eta = f" with eta {eta}" if eta else ""
    return (f"Sampling defaults (`model_index.json`): the four first-frame candidates take {image_steps} "
            f"{SCHEDULER_NAMES.get(defaults['scheduler'], defaults['scheduler'])} steps at text guidance "
            f"{image_guidance}; the video takes {steps} {SCHEDULER_NAMES.get(video, video)} steps{with_eta} at "
            f"text guidance {defaults['guidance_scale']} and image guidance {defaults['image_guidance_scale']}.")


def trainable_video_parameters(video) -> int:
    return sum(p.numel() for name, p in video.named_parameters() if is_trainable_in_video(name))


def spatial_layers_trained(run: Path) -> bool:
    """Whether the last video stage ran with --train-spatial (saved in its checkpoint)."""
    ckpt = load_checkpoint(run / "video_b.pt", required=False)
    return bool(ckpt and ckpt.get("train_spatial"))


def median_seconds_per_step(run: Path, stage: str):
    path = run / f"{stage}.log.jsonl"
    if not path.exists():
        return None
    values = [json.loads(line)["s_per_step"] for line in path.read_text().splitlines() if line.strip()]
    return statistics.median(values) if values else None


def training_rows(run: Path):
    rows = []
    for key, label in STAGES:
        ckpt = load_checkpoint(run / f"{key}.pt", required=False)
        if ckpt is None:
            continue
        frames = ckpt.get("num_frames", 1)
        minutes = ckpt.get("train_seconds", 0.0) / 60
        per_step = median_seconds_per_step(run, key)
        per_step = f"{per_step:.2f}" if per_step is not None else "?"
        rows.append(f"| {label} | {ckpt['step']} | {ckpt.get('batch_size', '?')} | {frames} | {minutes:.1f} | {per_step} |")
    return rows


def write_model_card(out: Path, bundle, run: Path, index: dict, scores=None) -> None:
    p = bundle.preset
    video = bundle.unet_video
    lines = [
        f"# {index['name']}",
        "",
        "Factorized text-to-video model (Emu Video method) for the firstframe shapes world",
        "(`training/WORLD.md` in the project): a text-to-image U-Net draws the first frame, an",
        "image-to-video U-Net animates it. 64x64 RGB, 16 frames at 8 fps. Trained from scratch by",
        f"`training/` (preset `{p.name}`); folder layout and tensors: `docs/model-format.md`.",
        "",
        "## Components",
        "| component | parameters |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v['parameters']:,} |" for k, v in index["components"].items()]
    if video is not None and spatial_layers_trained(run):
        lines += ["", "unet_video trained all its parameters: its spatial layers started as the text-to-image "
                      "U-Net's and trained on in its last stage (`train_video --train-spatial`), unlike Emu Video's "
                      "frozen ones."]
    elif video is not None:
        lines += ["", f"unet_video trains {trainable_video_parameters(video):,} of its parameters "
                      "(temporal blocks + the widened 9-channel input conv); the spatial layers are the "
                      "text-to-image U-Net's, frozen."]
    lines += [
        "",
        f"Latent scaling factor {bundle.scaling_factor:.5f} (1 / std of the autoencoder's latents on rendered frames).",
        "Schedule: linear betas 1e-4..0.02 over 1000 steps rescaled to zero terminal SNR, v-prediction,",
        "trailing timesteps.",
        "",
        sampling_defaults(index["defaults"]),
        "",
        "## Training (CPU: 2 cores shared with other work, PyTorch 1.13, unless noted)",
        "| stage | steps | batch | frames | minutes | median s/step |",
        "|---|---|---|---|---|---|",
        *training_rows(run),
    ]
    ae = load_checkpoint(run / "autoencoder.pt", required=False)
    if ae is not None and "eval_mean_abs_error_0_255" in ae:
        lines += ["", f"Autoencoder reconstruction error on rendered frames: {ae['eval_mean_abs_error_0_255']:.2f} "
                      "mean absolute error on the 0..255 scale."]
    lines += ["", "## Scores"]
    if scores:
        lines += [scores.get("summary_markdown", "")]
    else:
        lines += ["Not measured for this export."]
    lines += ["", "## Known failures",
              "Not listed for this export (`python3 -m firstframe_train.score_kinds` on an `npm run eval` run's",
              "scores.json gives the video's failures by kind).",
              "", "## Limits",
              "Trained briefly on CPU: it knows only the words in tokenizer.json (shapes world), draws at 64x64,",
              "and its motion and composition are far from perfect. Held-out colour-shape pairs",
              "(training/WORLD.md) were never seen in training."]
    Path(out, "README.md").write_text("\n".join(lines) + "\n")
