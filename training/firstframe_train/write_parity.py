"""Parity fixtures: fixed prompts, fixed noise and the tensors the reference (PyTorch) code
computes from them, for the TypeScript engine to reproduce with the exported ONNX files.
Float tensors are little-endian float32 .bin files (uint8 for pixels), described in
parity.json as {"file", "dtype", "shape"}. Format: docs/model-format.md, "Parity fixtures".
Usage: python3 -m firstframe_train.write_parity --preset tiny --model ../test/fixtures/tiny-model \
           --out ../test/fixtures/parity"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .bundle import load_bundle
from .config import get_preset
from .data import WorldStream, tensor_to_pixels
from .pipeline import ReferencePipeline
from .runs import run_dir, log
from .schedule import SCHEDULER_CONFIG
from .schedulers import make_scheduler, SCHEDULERS
from .train_video import image_conditioning

PROMPTS = ["", "a red circle moving right on a black background",
           "a small yellow triangle bouncing and a big blue square still on a gray background",
           "A Big GREEN cross, growing on a white background!", "a red dragon on a black background"]
T2I_PROMPT = "a big red circle still on a black background"
I2V_PROMPT = "a blue square moving right on a white background"
SCHEDULER_STEP_COUNTS = [1, 4, 15, 25, 50]
I2V_STEP_NOISE_SEED = 4321


class FixtureWriter:
    def __init__(self, out: Path):
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.bin"):
            old.unlink()

    def tensor(self, name: str, value) -> dict:
        array = value.detach().cpu().numpy() if torch.is_tensor(value) else np.asarray(value)
        dtype = "uint8" if array.dtype == np.uint8 else "float32"
        array = np.ascontiguousarray(array.astype("<f4" if dtype == "float32" else np.uint8))
        (self.out / f"{name}.bin").write_bytes(array.tobytes())
        return {"file": f"{name}.bin", "dtype": dtype, "shape": list(array.shape)}


def tokenizer_cases(tokenizer):
    cases = []
    for prompt in PROMPTS:
        ids, mask = tokenizer.encode(prompt)
        cases.append({"prompt": prompt, "input_ids": ids, "attention_mask": mask,
                      "unknown_words": tokenizer.unknown_words(prompt)})
    return cases


@torch.no_grad()
def text_encoder_case(w, bundle):
    ids, mask = bundle.tokenizer.encode_batch(PROMPTS)
    return {"prompts": PROMPTS, "input_ids": w.tensor("text_input_ids", ids.float()),
            "attention_mask": w.tensor("text_attention_mask", mask.float()),
            "last_hidden_state": w.tensor("text_last_hidden_state", bundle.text_encoder(ids, mask)),
            "note": "input_ids/attention_mask stored as float32; feed them to the model as int64"}


@torch.no_grad()
def component_cases(w, bundle, first_frame, gen):
    """One input -> output pair per ONNX component (unet_video with 5 frames: F is dynamic)."""
    D, L = bundle.preset.text.hidden_size, bundle.preset.text.max_length
    cases = {}
    latent = bundle.autoencoder.encoder(first_frame)
    cases["vae_encoder"] = {"inputs": {"sample": w.tensor("vae_encoder_in_sample", first_frame)},
                            "outputs": {"latent": w.tensor("vae_encoder_out_latent", latent)}}
    cases["vae_decoder"] = {"inputs": {"latent": w.tensor("vae_decoder_in_latent", latent)},
                            "outputs": {"sample": w.tensor("vae_decoder_out_sample", bundle.autoencoder.decoder(latent))}}
    t = torch.tensor([999.0, 421.0])
    ctx = torch.randn(2, L, D, generator=gen)
    sample = torch.randn(2, 4, 16, 16, generator=gen)
    cases["unet_image"] = {
        "inputs": {"sample": w.tensor("unet_image_in_sample", sample), "timestep": w.tensor("unet_image_in_timestep", t),
                   "encoder_hidden_states": w.tensor("unet_image_in_ehs", ctx)},
        "outputs": {"out_sample": w.tensor("unet_image_out_sample", bundle.unet_image(sample, t, ctx))}}
    for name, net in (("unet_video", bundle.unet_video), ("unet_direct", bundle.unet_direct)):
        if net is None:
            continue
        noisy = torch.randn(2, 4, 5, 16, 16, generator=gen)
        cond = image_conditioning(latent.expand(2, -1, -1, -1), 5, torch.tensor([True, False]))
        video_in = torch.cat([noisy, cond], dim=1)
        cases[name] = {
            "inputs": {"sample": w.tensor(f"{name}_in_sample", video_in), "timestep": w.tensor(f"{name}_in_timestep", t),
                       "encoder_hidden_states": w.tensor(f"{name}_in_ehs", ctx)},
            "outputs": {"out_sample": w.tensor(f"{name}_out_sample", net(video_in, t, ctx))}}
    return cases


def scheduler_cases(w, gen):
    cases = {}
    sample0 = torch.randn(1, 4, 4, 4, generator=gen)
    outputs = torch.randn(4, 1, 4, 4, 4, generator=gen)
    w_sample0, w_outputs = w.tensor("scheduler_sample0", sample0), w.tensor("scheduler_model_outputs", outputs)
    for name in SCHEDULERS:
        sched = make_scheduler(name, SCHEDULER_CONFIG)
        timesteps = {}
        for n in SCHEDULER_STEP_COUNTS:
            sched.set_timesteps(n)
            timesteps[str(n)] = {"timesteps": sched.timesteps, "init_noise_sigma": sched.init_noise_sigma}
        sched.set_timesteps(4)
        sample, samples, scales = sample0.clone(), [], []
        for k, t in enumerate(sched.timesteps):
            scales.append(float(sched.scale_model_input(torch.ones(1), t)))
            sample = sched.step(outputs[k], t, sample)
            samples.append(sample)
        cases[name] = {"timesteps": timesteps, "run": {
            "num_inference_steps": 4, "sample0": w_sample0, "model_outputs": w_outputs,
            "model_input_scale": scales, "samples": w.tensor(f"scheduler_{name}_samples", torch.stack(samples))}}
    return cases


def t2i_cases(w, pipe, gen):
    noise = torch.randn(1, 4, 16, 16, generator=gen)
    w_noise = w.tensor("t2i_noise", noise)
    cases = []
    for scheduler, rescale in (("ddim", 0.0), ("dpmpp_2m", 0.7), ("euler", 0.0)):
        trace = []
        latent, image = pipe.text_to_image(T2I_PROMPT, noise, scheduler=scheduler, steps=4, guidance_scale=5.0,
                                           guidance_rescale=rescale, trace=trace)
        cases.append({"prompt": T2I_PROMPT, "scheduler": scheduler, "num_inference_steps": 4, "guidance_scale": 5.0,
                      "guidance_rescale": rescale, "noise": w_noise,
                      "latents_per_step": w.tensor(f"t2i_{scheduler}_latents", torch.stack(trace)),
                      "image": w.tensor(f"t2i_{scheduler}_image", image),
                      "image_uint8": w.tensor(f"t2i_{scheduler}_image_u8", tensor_to_pixels(image[0]))})
    return cases


def i2v_cases(w, pipe, first_frame, first_frame_u8, gen, num_frames):
    first_latent = pipe.encode_image(first_frame)
    noise = torch.randn(1, 4, num_frames, 16, 16, generator=gen)
    case = {"prompt": I2V_PROMPT, "image_uint8": w.tensor("i2v_image_u8", first_frame_u8),
            "first_latent": w.tensor("i2v_first_latent", first_latent),
            "noise": w.tensor("i2v_noise", noise), "runs": []}
    # DPM-Solver++ 2M, and DDIM with eta 0.5 (the shipped video sampler): each of its steps draws unit
    # noise the shape of `noise` from a generator of its own, stored in that order (the engine is fed it:
    # its RNG is not torch's)
    for scheduler, eta in (("dpmpp_2m", 0.0), ("ddim", 0.5)):
        name = f"{scheduler}_eta" if eta else scheduler
        trace = []
        latents, frames = pipe.image_to_video(I2V_PROMPT, first_latent, noise, scheduler=scheduler, steps=4,
                                              guidance_scale=5.0, image_guidance_scale=1.5, guidance_rescale=0.0,
                                              trace=trace, eta=eta,
                                              generator=torch.Generator().manual_seed(I2V_STEP_NOISE_SEED))
        run = {"scheduler": scheduler, "eta": eta, "num_inference_steps": 4, "guidance_scale": 5.0,
               "image_guidance_scale": 1.5, "guidance_rescale": 0.0}
        if eta:
            replay = torch.Generator().manual_seed(I2V_STEP_NOISE_SEED)
            run["step_noise"] = w.tensor(f"i2v_{name}_step_noise",
                                         torch.stack([torch.randn(noise.shape, generator=replay) for _ in range(4)]))
        case["runs"].append({**run,
                             "latents_after_step1": w.tensor(f"i2v_{name}_latents_step1", trace[0]),
                             "latents": w.tensor(f"i2v_{name}_latents", latents),
                             "frames_uint8": w.tensor(f"i2v_{name}_frames_u8", tensor_to_pixels(frames))})
    return case


def write_fixtures(bundle, model_path: str, out: Path, num_frames: int = 16) -> dict:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    w = FixtureWriter(out)
    pipe = ReferencePipeline(bundle)
    videos, _ = WorldStream(99).videos(1)
    first_frame = videos[:, 0]
    first_frame_u8 = tensor_to_pixels(first_frame[0])
    first_frame = torch.from_numpy(first_frame_u8).float().div(127.5).sub(1).permute(2, 0, 1)[None]
    fixtures = {
        "format_version": 1,
        "model": model_path,
        "written_by": "python3 -m firstframe_train.write_parity",
        "pixel_mapping": "in: x = u8 / 127.5 - 1; out: u8 = round((clamp(x, -1, 1) + 1) * 127.5)",
        "tolerances": {"components_abs": 1e-4, "scheduler_abs": 1e-5, "sampling_latents_times_max1": 2e-3,
                       "pixels_uint8_abs": 1},
        "tokenizer": tokenizer_cases(bundle.tokenizer),
        "text_encoder": text_encoder_case(w, bundle),
        "components": component_cases(w, bundle, first_frame, gen),
        "schedulers": scheduler_cases(w, gen),
        "text_to_image": t2i_cases(w, pipe, gen),
        "image_to_video": i2v_cases(w, pipe, first_frame, first_frame_u8, gen, num_frames),
    }
    (out / "parity.json").write_text(json.dumps(fixtures, indent=1) + "\n")
    return fixtures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--runs", default=None)
    parser.add_argument("--model", default="test/fixtures/tiny-model", help="model folder the fixtures belong to (recorded)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    bundle = load_bundle(preset, run_dir(preset.name, args.runs))
    out = Path(args.out)
    write_fixtures(bundle, args.model, out)
    size = sum(p.stat().st_size for p in out.iterdir())
    log(f"[parity] wrote {out} ({size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
