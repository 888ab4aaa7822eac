"""Export a trained run to a model folder (docs/model-format.md): ONNX opset 17 per component,
model_index.json, scheduler_config.json, tokenizer files and a README.md model card.
Usage: python3 -m firstframe_train.export --preset cpu --out ../models/shapes-v8 [--name shapes-v8]"""
import argparse
import json
import shutil
from pathlib import Path

import onnx
import torch
import torch.nn as nn

from .bundle import load_bundle
from .data import FIRST_ONLY, MASK_KINDS
from .export_layout import CUSTOM_OPSETS, DEFAULT_LAYOUT, LAYOUTS, for_export, layout_of
from .config import IMAGE_SIZE, LATENT_SIZE, VIDEO_FPS, VIDEO_FRAMES, get_preset
from .model_card import write_model_card
from .nets.unet import VIDEO_CHANNELS, count_parameters
from .runs import load_checkpoint, log, run_dir
from .schedule import save_scheduler_config, trained_with_zero_terminal_snr

OPSET = 17
# First frames: 15 DPM-Solver++ steps at text guidance 3 draw them as well as 25 at 5, where 15
# steps lose 9-13 faithful points (training/experiments/13-step-count-samplers.md); the video keeps 5.
DEFAULTS = {"scheduler": "dpmpp_2m", "num_inference_steps": 15, "image_num_inference_steps": 15, "guidance_scale": 5.0,
            "first_frame_guidance_scale": 3.0, "image_guidance_scale": 1.5, "guidance_rescale": 0.0,
            # The video: DDIM 15 with eta 0.5, whose fresh noise per step undoes more doubled and
            # morphing objects than DPM-Solver++ 15 (training/experiments/15-ddim-eta.md).
            "video_scheduler": "ddim", "video_eta": 0.5}


class _TextEncoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids, attention_mask)


def component_specs(bundle):
    """name -> (module, example inputs, input names, output names, dynamic axes, io shapes)."""
    L, D = bundle.preset.text.max_length, bundle.preset.text.hidden_size
    lat, img, C = LATENT_SIZE, IMAGE_SIZE, bundle.preset.autoencoder.latent_channels
    ids = torch.zeros(2, L, dtype=torch.int64)
    mask = torch.ones(2, L, dtype=torch.int64)
    batch = {0: "batch"}
    specs = {
        "text_encoder": (_TextEncoder(bundle.text_encoder), (ids, mask), ["input_ids", "attention_mask"],
                         ["last_hidden_state"], {"input_ids": batch, "attention_mask": batch, "last_hidden_state": batch},
                         {"inputs": {"input_ids": ["batch", L], "attention_mask": ["batch", L]},
                          "outputs": {"last_hidden_state": ["batch", L, D]}}),
        "vae_encoder": (bundle.autoencoder.encoder, (torch.zeros(2, 3, img, img),), ["sample"], ["latent"],
                        {"sample": batch, "latent": batch},
                        {"inputs": {"sample": ["batch", 3, img, img]}, "outputs": {"latent": ["batch", C, lat, lat]}}),
        "vae_decoder": (bundle.autoencoder.decoder, (torch.zeros(2, C, lat, lat),), ["latent"], ["sample"],
                        {"latent": batch, "sample": batch},
                        {"inputs": {"latent": ["batch", C, lat, lat]}, "outputs": {"sample": ["batch", 3, img, img]}}),
    }
    unet_names = ["sample", "timestep", "encoder_hidden_states"]
    t = torch.tensor([999.0, 10.0])
    ctx = torch.zeros(2, L, D)
    specs["unet_image"] = (bundle.unet_image, (torch.zeros(2, C, lat, lat), t, ctx), unet_names, ["out_sample"],
                           {"sample": batch, "timestep": batch, "encoder_hidden_states": batch, "out_sample": batch},
                           {"inputs": {"sample": ["batch", C, lat, lat], "timestep": ["batch"],
                                       "encoder_hidden_states": ["batch", L, D]},
                            "outputs": {"out_sample": ["batch", C, lat, lat]}})
    video_axes = {"sample": {0: "batch", 2: "frames"}, "timestep": batch, "encoder_hidden_states": batch,
                  "out_sample": {0: "batch", 2: "frames"}}
    video_io = {"inputs": {"sample": ["batch", VIDEO_CHANNELS, "frames", lat, lat], "timestep": ["batch"],
                           "encoder_hidden_states": ["batch", L, D]},
                "outputs": {"out_sample": ["batch", C, "frames", lat, lat]}}
    if bundle.video_decoder is not None:  # optional (train_video_decoder): the video's frames, all at once
        frames_axes = {0: "batch", 2: "frames"}
        specs["vae_video_decoder"] = (
            bundle.video_decoder, (torch.zeros(1, C, 4, lat, lat),), ["latent"], ["sample"],
            {"latent": frames_axes, "sample": frames_axes},
            {"inputs": {"latent": ["batch", C, "frames", lat, lat]},
             "outputs": {"sample": ["batch", 3, "frames", img, img]}})
    for name, module in (("unet_video", bundle.unet_video), ("unet_direct", bundle.unet_direct)):
        if module is not None:
            specs[name] = (module, (torch.zeros(2, VIDEO_CHANNELS, 4, lat, lat), t, ctx), unet_names,
                           ["out_sample"], video_axes, video_io)
    return specs


def export_onnx(module, inputs, input_names, output_names, dynamic_axes, path: Path,
                layout: str = "training") -> None:
    """`layout` (export_layout.LAYOUTS): "training" traces the module's own forward; "fast" traces
    a U-Net's export layout, with its parameters as they are (no constant folding: ORT folds the
    weights' transposes when it loads the model, and import_model finds every parameter by name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval()
    traced = for_export(module, layout)
    fast = traced is not module
    with torch.no_grad():
        torch.onnx.export(traced, inputs, str(path), opset_version=OPSET, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=not fast,
                          custom_opsets=CUSTOM_OPSETS if fast else None)
    onnx.checker.check_model(onnx.load(str(path)))


def model_index(bundle, name, components) -> dict:
    p = bundle.preset
    return {
        "_class_name": "FirstFramePipeline",
        "format_version": 1,
        "name": name,
        "image": {"height": IMAGE_SIZE, "width": IMAGE_SIZE, "channels": 3},
        "video": {"num_frames": VIDEO_FRAMES, "fps": VIDEO_FPS},
        "latent": {"channels": p.autoencoder.latent_channels, "height": LATENT_SIZE, "width": LATENT_SIZE,
                   "scaling_factor": bundle.scaling_factor},
        "text": {"max_length": p.text.max_length, "hidden_size": p.text.hidden_size,
                 "pad_token_id": bundle.tokenizer.pad_id, "unk_token": "[UNK]"},
        "defaults": dict(DEFAULTS),
        "components": components,
    }


def video_masks(run: Path, stage) -> list:
    """The conditioning masks the video U-Net was trained with (train_video --mask-mix), in
    data.MASK_KINDS order; [] for image-to-video only ("first"), the manifest then leaves the field out."""
    if stage is None:
        return []
    mix = load_checkpoint(run / f"{stage}.pt").get("mask_mix") or FIRST_ONLY
    return [] if set(mix) == {"first"} else [kind for kind in MASK_KINDS if mix.get(kind, 0) > 0]


def export_bundle(bundle, out: Path, name: str, run: Path, scores=None, layout: str = DEFAULT_LAYOUT) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    components = {}
    for comp, (module, inputs, in_names, out_names, axes, io) in component_specs(bundle).items():
        path = out / comp / "model.onnx"
        export_onnx(module, inputs, in_names, out_names, axes, path, layout)
        components[comp] = {"path": f"{comp}/model.onnx", **io, "parameters": count_parameters(module)}
        if layout_of(module, layout) != "training":  # the graph's layout; recorded for import_model
            components[comp]["export_layout"] = layout_of(module, layout)
        if getattr(module, "frame_anchor", "own") != "own":  # baked into the graph; recorded for import_model
            components[comp]["frame_anchor"] = module.frame_anchor
        log(f"[export] {comp}: {count_parameters(module):,} parameters, {path.stat().st_size / 1e3:.0f} kB")
    index = model_index(bundle, name, components)
    masks = video_masks(run, bundle.video_stage) if bundle.unet_video is not None else []
    if masks:  # docs/model-format.md, "Masked uses"; without it a model is image-to-video only
        index["video_masks"] = masks
    (out / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
    save_scheduler_config(out)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(run / f, out / f)
    write_model_card(out, bundle, run, index, scores)
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--runs", default=None)
    parser.add_argument("--out", required=True)
    parser.add_argument("--name", default=None)
    parser.add_argument("--scores", default=None, help="JSON written by firstframe_train.evaluate, for the card")
    parser.add_argument("--no-direct", action="store_true", help="leave the unet_direct baseline out")
    parser.add_argument("--layout", choices=LAYOUTS, default=DEFAULT_LAYOUT,
                        help="the U-Nets' graph layout (export_layout.py); same weights and outputs either way")
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    run = run_dir(preset.name, args.runs)
    if not trained_with_zero_terminal_snr(load_checkpoint(run / "image.pt")):
        raise SystemExit(f"{run / 'image.pt'} is the ablation arm trained without zero terminal SNR: "
                         "models are exported from zero-terminal-SNR runs only (evaluate it with evaluate.py)")
    bundle = load_bundle(preset, run)
    if args.no_direct:
        bundle.unet_direct = None
    out = Path(args.out)
    scores = json.loads(Path(args.scores).read_text()) if args.scores else None
    export_bundle(bundle, out, args.name or out.name, run, scores, args.layout)
    log(f"[export] wrote {out}")


if __name__ == "__main__":
    main()
