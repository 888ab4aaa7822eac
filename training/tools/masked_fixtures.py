"""Fixtures of the masked video model (issue 28; docs/model-format.md, "Masked uses"): trains the
`tiny` preset, then a few stage-B steps with the mask mix (as training/tests/test_masked_video.py
does), exports it to test/fixtures/masked-model (its model_index.json lists video_masks) and writes
the parity cases of its uses to test/fixtures/parity-masked, from the PyTorch reference
(ReferencePipeline.interpolate, continue_video, image_to_video with DDIM eta):
- interpolate: 5 rendered frames -> 9, windows of F = 8 frames (two windows: the second adds only
  the last in-between frame), DDIM eta 0.5, 2 steps; every unit noise the reference drew, in order.
- continue: the last k = 3 of 4 rendered frames -> 5 new frames (F = 8), DPM-Solver++ 2M, 3 steps.
- image_to_video_eta: the `first` mask, DDIM eta 0.5 (the shipped video sampler), 2 steps, F = 8.
- components: one input -> output pair per ONNX component (as write_parity's; unet_video F = 5).
- interpolation_windows: the window starts for n = 2..20 frames and windows of 2, 4, 8 keyframes.
- video-decoder/: a vae_video_decoder for this model (its per-frame decoder plus seeded temporal
  weights, as firstframe_train.video_decoder_fixture makes one for the tiny model) and the frames
  PyTorch decodes through it from the interpolate and continue cases' latents (the engine decodes
  the masked uses' latents whole through it, with no first-frame latent).
Usage (from training/): PYTHONPATH=. python3 tools/masked_fixtures.py [--video-decoder-only]
(--video-decoder-only: imports the committed masked model, writes only video-decoder/)"""
import argparse
import json
import shutil
import tempfile
from pathlib import Path

import torch

from firstframe_train import import_model, train_all, train_video
from firstframe_train.bundle import load_bundle, new_video_decoder
from firstframe_train.config import get_preset
from firstframe_train.data import WorldStream, pixels_to_tensor, tensor_to_pixels
from firstframe_train.export import component_specs, export_bundle, export_onnx
from firstframe_train.nets.unet import count_parameters
from firstframe_train.pipeline import ReferencePipeline, interpolation_windows
from firstframe_train.runs import TRAINING_DIR, load_checkpoint, log
from firstframe_train.video_decoder_fixture import read_tensor, with_temporal_weights
from firstframe_train.write_parity import FixtureWriter, component_cases

REPO = TRAINING_DIR.parent
MIX = "first=0.4,interpolate=0.3,continue=0.3"
LATENT = (4, 16, 16)
GUIDANCE = {"guidance_scale": 5.0, "image_guidance_scale": 1.5, "guidance_rescale": 0.0}


def replayed_noise(seed: int, count: int, frames: int) -> torch.Tensor:
    """The `count` unit-noise tensors [1, 4, frames, 16, 16] a generator seeded with `seed` gives
    in order: what the reference drew (initial noise of each window, then each DDIM-eta step's)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randn(1, LATENT[0], frames, *LATENT[1:], generator=gen) for _ in range(count)])


def interpolate_case(w, pipe, clip, caption, seed=11, frames=8, steps=2, eta=0.5):
    video = clip[0:10:2]  # 5 keyframes: rendered frames 0, 2, ..., 8
    latents, out = pipe.interpolate(video, caption, num_frames=frames, generator=torch.Generator().manual_seed(seed),
                                    scheduler="ddim", steps=steps, eta=eta, **GUIDANCE)
    windows = interpolation_windows(video.shape[0], frames // 2)
    noise = replayed_noise(seed, len(windows) * (1 + steps), frames)
    return {"prompt": caption, "window_frames": frames, "windows": windows, "scheduler": "ddim", "eta": eta,
            "num_inference_steps": steps, **GUIDANCE,
            "frames_uint8": w.tensor("interpolate_in_u8", tensor_to_pixels(video)),
            "noise": w.tensor("interpolate_noise", noise),
            "noise_order": "per window: its initial noise, then one per step",
            "latents": w.tensor("interpolate_latents", latents),
            "out_frames_uint8": w.tensor("interpolate_out_u8", tensor_to_pixels(out))}


def continue_case(w, pipe, clip, caption, seed=12, frames=8, k=3, steps=3):
    video = clip[0:4]
    latents, new = pipe.continue_video(video, k, caption, num_frames=frames,
                                       generator=torch.Generator().manual_seed(seed), scheduler="dpmpp_2m",
                                       steps=steps, **GUIDANCE)
    return {"prompt": caption, "window_frames": frames, "context_frames": k, "scheduler": "dpmpp_2m", "eta": 0.0,
            "num_inference_steps": steps, **GUIDANCE,
            "frames_uint8": w.tensor("continue_in_u8", tensor_to_pixels(video)),
            "noise": w.tensor("continue_noise", replayed_noise(seed, 1, frames)[0]),
            "latents": w.tensor("continue_latents", latents),
            "new_frames_uint8": w.tensor("continue_new_u8", tensor_to_pixels(new))}


def image_to_video_eta_case(w, pipe, clip, caption, seed=13, frames=8, steps=2, eta=0.5):
    first_u8 = tensor_to_pixels(clip[0])
    first = pixels_to_tensor(first_u8)[None]
    gen = torch.Generator().manual_seed(seed)
    noise = torch.randn(1, LATENT[0], frames, *LATENT[1:], generator=gen)
    latents, out = pipe.image_to_video(caption, pipe.encode_image(first), noise, scheduler="ddim", steps=steps,
                                       eta=eta, generator=gen, **GUIDANCE)
    return {"prompt": caption, "scheduler": "ddim", "eta": eta, "num_inference_steps": steps, **GUIDANCE,
            "image_uint8": w.tensor("i2v_eta_image_u8", first_u8),
            "noise": w.tensor("i2v_eta_noise", noise),
            "step_noise": w.tensor("i2v_eta_step_noise", replayed_noise(seed, 1 + steps, frames)[1:]),
            "latents": w.tensor("i2v_eta_latents", latents),
            "frames_uint8": w.tensor("i2v_eta_frames_u8", tensor_to_pixels(out))}


def write_masked_fixtures(bundle, model_path: str, out: Path) -> dict:
    torch.manual_seed(0)
    w = FixtureWriter(out)
    pipe = ReferencePipeline(bundle)
    videos, captions = WorldStream(7).videos(1)
    clip = pixels_to_tensor(tensor_to_pixels(videos[0]))  # exactly the uint8 frames the engine reads
    fixtures = {
        "format_version": 1,
        "model": model_path,
        "written_by": "PYTHONPATH=. python3 tools/masked_fixtures.py (from training/)",
        "tolerances": {"components_abs": 1e-4, "vae_encoder_scaled_abs": 1e-3, "sampling_latents_times_max1": 2e-3,
                       "given_latents_times_max1": 5e-3, "pixels_uint8_abs": 1},
        "components": component_cases(w, bundle, clip[:1], torch.Generator().manual_seed(1234)),
        "interpolation_windows": [{"n": n, "width": width, "starts": interpolation_windows(n, width)}
                                  for width in (2, 4, 8) for n in range(2, 21)],
        "interpolate": interpolate_case(w, pipe, clip, captions[0]),
        "continue": continue_case(w, pipe, clip, captions[0]),
        "image_to_video_eta": image_to_video_eta_case(w, pipe, clip, captions[0]),
    }
    (out / "parity.json").write_text(json.dumps(fixtures, indent=1) + "\n")
    return fixtures


def write_video_decoder_fixture(bundle, parity_dir: Path, out: Path = None) -> dict:
    """out (default parity_dir/video-decoder): a vae_video_decoder for `bundle` and the frames it
    decodes from the interpolate and continue cases' latents (read back from parity_dir)."""
    decoder = new_video_decoder(bundle.preset)
    decoder.decoder.load_state_dict(bundle.autoencoder.decoder.state_dict())
    bundle.video_decoder = with_temporal_weights(decoder).eval()
    out = out or parity_dir / "video-decoder"
    w = FixtureWriter(out)
    module, inputs, in_names, out_names, axes, io = component_specs(bundle)["vae_video_decoder"]
    export_onnx(module, inputs, in_names, out_names, axes, out / "vae_video_decoder" / "model.onnx")
    parity = json.loads((parity_dir / "parity.json").read_text())
    pipe = ReferencePipeline(bundle)
    interpolated = pipe.decode_video(read_tensor(parity_dir, parity["interpolate"]["latents"]))
    k = parity["continue"]["context_frames"]
    continued = pipe.decode_video(read_tensor(parity_dir, parity["continue"]["latents"]))[k:]
    fixture = {
        "written_by": "PYTHONPATH=. python3 tools/masked_fixtures.py --video-decoder-only (from training/)",
        "model": "test/fixtures/masked-model",
        "component": {"path": "vae_video_decoder/model.onnx", **io, "parameters": count_parameters(module)},
        "interpolate_out_frames_uint8": w.tensor("interpolate_out_video_decoder_u8", tensor_to_pixels(interpolated)),
        "continue_new_frames_uint8": w.tensor("continue_new_video_decoder_u8", tensor_to_pixels(continued)),
    }
    (out / "fixture.json").write_text(json.dumps(fixture, indent=1) + "\n")
    return fixture


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-out", default=str(REPO / "test/fixtures/masked-model"))
    parser.add_argument("--parity-out", default=str(REPO / "test/fixtures/parity-masked"))
    parser.add_argument("--mask-steps", type=int, default=4, help="stage-B steps with the mask mix")
    parser.add_argument("--video-decoder-only", action="store_true",
                        help="import the model in --model-out and write only --parity-out/video-decoder")
    args = parser.parse_args(argv)
    preset = get_preset("tiny")
    with tempfile.TemporaryDirectory() as runs:
        if args.video_decoder_only:  # the per-frame decoder is all it needs of the model
            import_model.main(["--preset", "tiny", "--runs", runs, "--model", args.model_out])
            write_video_decoder_fixture(load_bundle(preset, Path(runs) / "tiny", need_video=False),
                                        Path(args.parity_out))
            log(f"[masked fixtures] wrote {args.parity_out}/video-decoder")
            return
        train_all.main(["--preset", "tiny", "--runs", runs])
        run = Path(runs) / "tiny"
        start = load_checkpoint(run / "video_b.pt")["step"]
        train_video.main(["--preset", "tiny", "--runs", runs, "--stage", "b", "--steps",
                          str(start + args.mask_steps), "--mask-mix", MIX])
        bundle = load_bundle(preset, run)
        model_out = Path(args.model_out)
        if model_out.exists():
            shutil.rmtree(model_out)
        index = export_bundle(bundle, model_out, "tiny-masked-model", run)
        assert index.get("video_masks") == ["first", "interpolate", "continue"], index.get("video_masks")
        write_masked_fixtures(bundle, "test/fixtures/masked-model", Path(args.parity_out))
        write_video_decoder_fixture(bundle, Path(args.parity_out))
    log(f"[masked fixtures] wrote {args.model_out} and {args.parity_out}")


if __name__ == "__main__":
    main()
