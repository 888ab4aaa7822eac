"""Writes test/fixtures/video-decoder: a vae_video_decoder for the committed tiny model (its own
per-frame decoder plus temporal blocks with seeded, non-zero weights, so the temporal path shows in
the numbers) and the frames PyTorch decodes with it from the tiny model's image-to-video parity run.
test/engine/video-decoder.test.ts adds it to a copy of the tiny model and checks that the engine
decodes the same frames.
Usage (from training/): python3 -m firstframe_train.video_decoder_fixture"""
import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from . import import_model
from .bundle import load_bundle, new_video_decoder
from .config import get_preset
from .data import tensor_to_pixels
from .export import component_specs, export_onnx
from .nets.unet import count_parameters
from .pipeline import ReferencePipeline
from .runs import TRAINING_DIR, log
from .write_parity import FixtureWriter

REPO = TRAINING_DIR.parent
COMPONENT = "vae_video_decoder"


def read_tensor(parity_dir: Path, ref: dict) -> torch.Tensor:
    array = np.fromfile(parity_dir / ref["file"], dtype="<f4" if ref["dtype"] == "float32" else np.uint8)
    return torch.from_numpy(array.reshape(ref["shape"]).copy())


def with_temporal_weights(decoder, seed: int = 7):
    """Every temporal weight random: a fresh VideoDecoder would be the per-frame decoder exactly."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in decoder.temporal.parameters():
            p.copy_(0.2 * torch.randn(p.shape, generator=gen))
    return decoder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(REPO / "test/fixtures/tiny-model"))
    parser.add_argument("--parity", default=str(REPO / "test/fixtures/parity"))
    parser.add_argument("--out", default=str(REPO / "test/fixtures/video-decoder"))
    args = parser.parse_args(argv)
    preset = get_preset("tiny")
    with tempfile.TemporaryDirectory() as runs:
        # Not --video: the tiny model's video U-Net predates the preset's (it needs none here).
        import_model.main(["--preset", "tiny", "--runs", runs, "--model", args.model])
        bundle = load_bundle(preset, Path(runs) / "tiny", need_video=False)
    decoder = new_video_decoder(preset)
    decoder.decoder.load_state_dict(bundle.autoencoder.decoder.state_dict())
    bundle.video_decoder = with_temporal_weights(decoder).eval()

    out = Path(args.out)
    writer = FixtureWriter(out)
    module, inputs, in_names, out_names, axes, io = component_specs(bundle)[COMPONENT]
    export_onnx(module, inputs, in_names, out_names, axes, out / COMPONENT / "model.onnx")
    component = {"path": f"{COMPONENT}/model.onnx", **io, "parameters": count_parameters(module)}

    parity_dir = Path(args.parity)
    i2v = json.loads((parity_dir / "parity.json").read_text())["image_to_video"]
    run = i2v["runs"][0]
    latents = read_tensor(parity_dir, run["latents"])
    first_latent = read_tensor(parity_dir, i2v["first_latent"])
    frames = ReferencePipeline(bundle).decode_video(latents, first_latent)
    fixture = {
        "written_by": "python3 -m firstframe_train.video_decoder_fixture",
        "model": "test/fixtures/tiny-model",
        "component": component,
        "image_to_video_run": {"scheduler": run["scheduler"], "parity_file": "test/fixtures/parity/parity.json"},
        "frames_uint8": writer.tensor("i2v_frames_video_decoder_u8", tensor_to_pixels(frames)),
    }
    (out / "fixture.json").write_text(json.dumps(fixture, indent=1) + "\n")
    log(f"[fixture] wrote {out}")


if __name__ == "__main__":
    main()
