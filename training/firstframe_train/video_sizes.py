"""Candidate video U-Net sizes, exported for timing (issue 28 item 2: the video U-Net sized to the
latency budget). Each candidate is a copy of a shipped model folder whose unet_video is replaced:
- a growth of the temporal layers (config.UNetConfig temporal_depth / temporal_ff /
  temporal_after_attention): the folder's own unet_video imported and grown
  (nets/unet.grow_video_unet), so its output equals the shipped one until trained; the spatial
  layers stay the text-to-image U-Net's widths;
- a wider whole U-Net (`channels`): random weights, timing only (the image U-Net would have to be
  trained again from scratch at that width).
The copies are timed against the shipped folder with bench/unet-step.ts and bench/engine.ts
(training/experiments/19-video-unet-sizing.md). Export them with the export_layout.py the shipped
folder was exported with (bench/unet-step.ts then says max abs diff 0 for a grown candidate):
another layout changes the time of every layer, and the ratio would measure the layout too.
Usage: python3 -m firstframe_train.video_sizes --model ../models/shapes-v8 --out /tmp/sizes [--only a,b]"""
import argparse
import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import torch

from .bundle import new_video_unet
from .config import get_preset
from .export import component_specs, export_onnx
from .export_layout import DEFAULT_LAYOUT
from .import_model import import_component
from .nets.unet import count_parameters, grow_video_unet

# name -> changes to the preset's UNetConfig; the named VIDEO_SIZES are measured as well
CANDIDATES = {
    "ff2": dict(temporal_ff=2),
    "ff4": dict(temporal_ff=4),
    "depth2": dict(temporal_depth=2),
    "depth2-ff4": dict(temporal_depth=2, temporal_ff=4),
    "attn-ff4": dict(temporal_after_attention=True, temporal_ff=4),
    "attn-depth2-ff4": dict(temporal_after_attention=True, temporal_depth=2, temporal_ff=4),
    "depth3-ff4": dict(temporal_depth=3, temporal_ff=4),
    "ff8": dict(temporal_ff=8),
    "depth2-ff8": dict(temporal_depth=2, temporal_ff=8),
    "attn-ff8": dict(temporal_after_attention=True, temporal_ff=8),
    "attn-ff12": dict(temporal_after_attention=True, temporal_ff=12),
    "attn-ff16": dict(temporal_after_attention=True, temporal_ff=16),
    "attn-depth2-ff8": dict(temporal_after_attention=True, temporal_depth=2, temporal_ff=8),
    "wide64": dict(channels=(64, 128, 128)),
}


def _video_specs(preset, unet):
    """component_specs' unet_video entry for `unet` alone."""
    import types
    bundle = types.SimpleNamespace(preset=preset, text_encoder=None, video_decoder=None, unet_image=unet,
                                   autoencoder=types.SimpleNamespace(encoder=None, decoder=None),
                                   unet_video=unet, unet_direct=None)
    return component_specs(bundle)["unet_video"]


def shipped_video_unet(model: Path, preset):
    """The folder's unet_video as a PyTorch module of `preset`'s architecture."""
    comp = json.loads((model / "model_index.json").read_text())["components"]["unet_video"]
    unet = new_video_unet(preset)
    unet.set_frame_anchor(comp.get("frame_anchor", "own"))
    _, inputs, in_names, out_names, axes, _ = _video_specs(preset, unet)
    with tempfile.TemporaryDirectory() as tmp:
        import_component(unet, (inputs, in_names, out_names, axes, comp.get("export_layout", "training")),
                         model / comp["path"], Path(tmp) / "probe.onnx")
    return unet.eval()


def candidate_unet(shipped, preset, changes: dict):
    cfg = replace(preset.unet, **changes)
    if cfg.channels != preset.unet.channels:  # another spatial width: nothing to import, random weights
        gen = torch.Generator().manual_seed(0)
        unet = new_video_unet(replace(preset, unet=cfg))
        with torch.no_grad():
            for p in unet.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
        return unet.eval(), False
    return grow_video_unet(shipped, cfg, preset.text.hidden_size).eval(), True


def write_candidate(model: Path, out: Path, preset, unet) -> int:
    """A copy of `model` with `unet` as its unet_video (fast layout); returns its parameter count."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(model, out, ignore=shutil.ignore_patterns("samples"))
    index = json.loads((out / "model_index.json").read_text())
    comp = index["components"]["unet_video"]
    _, inputs, in_names, out_names, axes, _ = _video_specs(preset, unet)
    export_onnx(unet, inputs, in_names, out_names, axes, out / comp["path"], DEFAULT_LAYOUT)
    comp["parameters"] = count_parameters(unet)
    comp["export_layout"] = DEFAULT_LAYOUT
    index["name"] = out.name
    (out / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
    return comp["parameters"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="../models/shapes-v8", help="the shipped folder to grow")
    parser.add_argument("--preset", default="cpu", help="the folder's architecture")
    parser.add_argument("--out", required=True, help="one folder per candidate is written here")
    parser.add_argument("--only", default=None, help="comma-separated candidate names (default: all)")
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    model, out = Path(args.model), Path(args.out)
    names = args.only.split(",") if args.only else list(CANDIDATES)
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        raise SystemExit(f"unknown candidates {unknown}; allowed: {', '.join(CANDIDATES)}")
    shipped = shipped_video_unet(model, preset)
    base = count_parameters(shipped)
    print(f"{model}: unet_video {base:,} parameters", flush=True)
    for name in names:
        unet, imported = candidate_unet(shipped, preset, CANDIDATES[name])
        params = write_candidate(model, out / name, preset, unet)
        temporal = sum(p.numel() for n, p in unet.named_parameters() if n.startswith("temporal."))
        print(f"{name}: {params:,} parameters ({params / base:.2f}x; temporal {temporal:,}), "
              f"{'grown from the shipped weights' if imported else 'random weights'} -> {out / name}", flush=True)


if __name__ == "__main__":
    main()
