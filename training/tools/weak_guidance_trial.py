"""A trial harness for guidance by a weak model on the video (not in the product:
training/experiments/16-weak-guidance.md has what it measured). Each step adds one more U-Net
row, (text, image) through a weak network, and pushes the guided v away from it:
    v = v_cfg + scale * (v_full - v_weak)
with v_weak from
  skip-all   the video U-Net with every temporal block skipped (spatial layers alone, frame by frame:
             spatiotemporal skip guidance, Hyun et al. 2024),
  skip-attn  the same with only the temporal self-attention skipped (text and temporal conv kept),
  old        another run's video U-Net (autoguidance, Karras et al. 2024: a less trained model).
Runs the PyTorch reference on `evaluate`'s prompts and seeds with the model's default samplers, writes
each video as an MP4 and judges it. From training/, after `import_model --preset cpu_on_gpu --video`:
  PYTHONPATH=. OMP_NUM_THREADS=1 python3 tools/weak_guidance_trial.py run --mode skip-all --scale 0.5 \\
      --count 160 --held-out 40 --out ../.tmp/trial/skip.json        (--mode none: the baseline)
  python3 tools/weak_guidance_trial.py compare ../.tmp/trial/none.json ../.tmp/trial/skip.json"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

SKIP = {"on": False, "parts": "all"}


def patch_temporal_blocks():
    """TemporalBlock.forward honours SKIP while SKIP["on"] (the weak row's forward)."""
    import torch
    from firstframe_train.nets import layers
    original = layers.TemporalBlock.forward

    def forward(self, x, num_frames, context=None):
        if not SKIP["on"]:
            return original(self, x, num_frames, context)
        if SKIP["parts"] == "all":
            return x
        bf, c, h, w = x.shape  # skip-attn: the text branch (where there is one) and the temporal conv only
        if self.text_attn is not None:
            t = x.reshape(bf, c, h * w).transpose(1, 2)
            x = (t + self.text_attn(self.text_norm(t), context)).transpose(1, 2).reshape(bf, c, h, w)
        v = x.reshape(-1, num_frames, c, h, w).permute(0, 2, 1, 3, 4)
        v = v + self.conv(torch.nn.functional.silu(self.conv_norm(v)))
        return v.permute(0, 2, 1, 3, 4).reshape(bf, c, h, w)

    layers.TemporalBlock.forward = forward


def run(args):
    import torch
    from firstframe_train import evaluate, judge, media
    from firstframe_train.bundle import load_bundle, load_video_unet
    from firstframe_train.config import get_preset
    from firstframe_train.pipeline import ReferencePipeline, _fresh_noise, image_conditioning, make_scheduler
    from firstframe_train.runs import load_checkpoint, run_dir
    from firstframe_train.schedule import run_schedule_config

    patch_temporal_blocks()
    SKIP["parts"] = "attn" if args.mode == "skip-attn" else "all"
    torch.set_num_threads(1)
    preset = get_preset(args.preset)
    run_folder = run_dir(preset.name, args.runs)
    bundle = load_bundle(preset, run_folder)
    pipe = ReferencePipeline(bundle, run_schedule_config(load_checkpoint(run_folder / "image.pt")))
    good = bundle.unet_video
    old = load_video_unet(preset, Path(args.old_run), "video_b") if args.mode == "old" else None

    def weak(x, t, context):
        if old is not None:
            return old(x, t, context)
        SKIP["on"] = True
        try:
            return good(x, t, context)
        finally:
            SKIP["on"] = False

    def image_to_video(prompt, first_latent, noise, scheduler="dpmpp_2m", steps=15, guidance_scale=5.0,
                       image_guidance_scale=1.5, guidance_rescale=0.0, unet="video", eta=0.0, generator=None):
        context = pipe.encode_prompts(["", "", prompt])  # rows as the product's, one video
        cond = image_conditioning(first_latent.repeat(3, 1, 1, 1), noise.shape[2], torch.tensor([False, True, True]))
        sched = make_scheduler(scheduler, pipe.scheduler_config, eta)
        sched.set_timesteps(steps)
        sample = noise * sched.init_noise_sigma
        for t in sched.timesteps:
            x = torch.cat([sched.scale_model_input(sample, t).repeat(3, 1, 1, 1, 1), cond], dim=1)
            timestep = torch.full((3,), float(t))
            v0, v_img, v_full = good(x, timestep, context).chunk(3)
            v = v0 + image_guidance_scale * (v_img - v0) + guidance_scale * (v_full - v_img)
            if args.mode != "none" and args.scale:
                v = v + args.scale * (v_full - weak(x[2:], timestep[2:], context[2:]))
            sample = sched.step(v, t, sample, _fresh_noise(noise, eta, generator))
        return sample, pipe.decode_video(sample[:1], first_latent[:1])

    pipe.image_to_video = image_to_video
    prompts = evaluate.evaluation_prompts(args.seed, args.count, args.held_out)
    rows, started = [], time.time()
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        for i, prompt in enumerate(prompts):
            gen = torch.Generator().manual_seed(args.seed + i)  # evaluate.py's seeds: the same first frames
            _, video = evaluate.generate(pipe, prompt, gen, 15, None, "video", None, 15)
            path = Path(tmp) / f"{i:03d}.mp4"
            media.write_mp4(video, path)
            verdict = judge.judge_file(path, prompt)
            rows.append({"i": i, "prompt": prompt, "held_out": i >= args.count, "ok": verdict.ok,
                         "objects": [{a: bool(getattr(o, a)) for a in judge.OBJECT_ATTRIBUTES} for o in verdict.objects],
                         "notes": [o.notes for o in verdict.objects]})
            print(f"{i} {'ok ' if verdict.ok else 'bad'} {prompt}: {', '.join(verdict.failures())}",
                  file=sys.stderr, flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"args": vars(args), "seconds": time.time() - started, "rows": rows}))


def compare(paths):
    """Per attribute: seen / held-out % over objects, and objects fixed / broken against the first file."""
    def load(path):
        return {r["i"]: r for r in json.loads(Path(path).read_text())["rows"]}
    base = load(paths[0])
    for path in paths:
        rows = load(path)
        common = sorted(set(rows) & set(base))
        cells = [Path(path).name, f"{len(common)} prompts", f"{sum(rows[i]['ok'] for i in common)} fully right"]
        for a in ("colour", "shape", "size", "motion", "consistency"):
            def pct(held):
                v = [o[a] for i in common if rows[i]["held_out"] == held for o in rows[i]["objects"]]
                return 100 * sum(v) / max(1, len(v))
            pairs = [(o[a], b[a]) for i in common for o, b in zip(rows[i]["objects"], base[i]["objects"])]
            fixed, broken = sum(o and not b for o, b in pairs), sum(b and not o for o, b in pairs)
            cells.append(f"{a} {pct(False):.1f} / {pct(True):.1f} (+{fixed} -{broken})")
        fixed = sum(rows[i]["ok"] and not base[i]["ok"] for i in common)
        cells.append(f"videos +{fixed} -{sum(base[i]['ok'] and not rows[i]['ok'] for i in common)}")
        print(" | ".join(cells))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--mode", choices=["none", "skip-all", "skip-attn", "old"], required=True)
    r.add_argument("--scale", type=float, default=1.0)
    r.add_argument("--old-run", help="run folder (with video_b.pt) of the weak U-Net for --mode old")
    r.add_argument("--preset", default="cpu_on_gpu")
    r.add_argument("--runs", default=None)
    r.add_argument("--count", type=int, default=48)
    r.add_argument("--held-out", type=int, default=12)
    r.add_argument("--seed", type=int, default=2024)
    r.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        compare(args.files)


if __name__ == "__main__":
    main()
