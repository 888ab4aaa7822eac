"""Smoke test of the whole training pipeline on the `tiny` preset: every stage trains a few
steps (and resumes), the export is a valid model folder, the ONNX files pass onnx.checker (and
match PyTorch in onnxruntime-node when it is installed), the reference sampler runs."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from firstframe_train import train_all
from firstframe_train.bundle import load_bundle
from firstframe_train.config import get_preset
from firstframe_train.export import DEFAULTS, export_bundle
from firstframe_train.model_card import sampling_defaults
from firstframe_train.nets.unet import is_trainable_in_video
from firstframe_train.pipeline import ReferencePipeline, UnknownWordsError
from firstframe_train.runs import load_checkpoint
from firstframe_train.write_parity import write_fixtures

TRAINING = Path(__file__).resolve().parent.parent
REPO = TRAINING.parent
COMPONENTS = ["text_encoder", "vae_encoder", "vae_decoder", "unet_image", "unet_video", "unet_direct"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    train_all.main(["--preset", "tiny", "--runs", str(runs), "--direct"])
    return runs / "tiny"


def test_every_stage_saved_its_steps(trained):
    preset = get_preset("tiny")
    expected = {"autoencoder": preset.train_autoencoder.steps, "image": preset.train_image.steps,
                "video_a": preset.train_video_a.steps, "video_b": preset.train_video_b.steps,
                "direct": preset.train_video_a.steps + preset.train_video_b.steps}
    for stage, steps in expected.items():
        assert load_checkpoint(trained / f"{stage}.pt")["step"] == steps, stage
    assert load_checkpoint(trained / "autoencoder.pt")["scaling_factor"] > 0


def test_video_stage_trains_only_temporal_layers_and_input_conv(trained):
    preset = get_preset("tiny")
    image_unet = load_checkpoint(trained / "image.pt")["ema"]["unet"]
    video_unet = load_checkpoint(trained / "video_b.pt")["ema"]["unet"]
    for name, value in video_unet.items():
        if is_trainable_in_video(name):
            continue
        assert torch.equal(value, image_unet[name]), f"frozen spatial weight {name} changed"
    assert any(not torch.equal(v, torch.zeros_like(v)) for k, v in video_unet.items()
               if k.startswith("temporal.") and k.endswith("conv.weight")), "temporal convs never trained"


def test_resume_is_a_no_op_when_done(trained, capsys):
    from firstframe_train import train_image
    before = load_checkpoint(trained / "image.pt")["step"]
    train_image.main(["--preset", "tiny", "--runs", str(trained.parent)])
    assert load_checkpoint(trained / "image.pt")["step"] == before


def test_image_stage_with_frozen_text_keeps_the_text_encoder(trained, tmp_path):
    # what a GPU run does while a video stage trained against that text encoder goes on beside it;
    # the saved optimizer state covers the text encoder too, so it cannot be reused as it is
    from firstframe_train import train_image
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    before = load_checkpoint(run / "image.pt")
    train_image.main(["--preset", "tiny", "--runs", str(tmp_path), "--steps", str(before["step"] + 2),
                      "--freeze-text"])
    after = load_checkpoint(run / "image.pt")
    assert after["step"] == before["step"] + 2
    for key in ("modules", "ema"):
        for name, value in after[key]["text_encoder"].items():
            assert torch.equal(value, before["ema"]["text_encoder"][name]), f"{key} text encoder {name} moved"
    assert any(not torch.equal(v, before["ema"]["unet"][k]) for k, v in after["ema"]["unet"].items())


def test_decoder_only_fine_tuning_keeps_the_encoder_and_its_scaling_factor(trained, tmp_path):
    # the shipped diffusion models were trained on these latents: they must not move
    from firstframe_train import train_autoencoder
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    before = load_checkpoint(run / "autoencoder.pt")
    train_autoencoder.main(["--preset", "tiny", "--runs", str(tmp_path), "--steps", str(before["step"] + 3),
                            "--decoder-only", "--latent-noise", "0.1"])
    after = load_checkpoint(run / "autoencoder.pt")
    assert after["step"] == before["step"] + 3
    assert after["scaling_factor"] == before["scaling_factor"]
    for key in ("modules", "ema"):
        for name, value in after[key]["autoencoder"].items():
            if name.startswith("encoder."):
                assert torch.equal(value, before["ema"]["autoencoder"][name]), f"{key} {name} moved"
    assert any(not torch.equal(v, before["ema"]["autoencoder"][k])
               for k, v in after["ema"]["autoencoder"].items() if k.startswith("decoder."))


def test_decoder_only_needs_a_trained_autoencoder(tmp_path):
    from firstframe_train import train_autoencoder
    with pytest.raises(SystemExit, match="does not exist"):
        train_autoencoder.main(["--preset", "tiny", "--runs", str(tmp_path), "--decoder-only"])
    with pytest.raises(SystemExit, match="needs --decoder-only"):
        train_autoencoder.main(["--preset", "tiny", "--runs", str(tmp_path), "--latent-noise", "0.1"])


def test_video_stage_with_train_spatial_moves_the_spatial_layers(trained, tmp_path):
    # the frozen-spatial ablation: the same stage B, every U-Net weight trainable
    from firstframe_train import train_video
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    before = load_checkpoint(run / "video_b.pt")
    train_video.main(["--preset", "tiny", "--runs", str(tmp_path), "--stage", "b",
                      "--steps", str(before["step"] + 2), "--train-spatial"])
    after = load_checkpoint(run / "video_b.pt")
    assert after["step"] == before["step"] + 2 and after["train_spatial"] is True
    moved = [k for k, v in after["ema"]["unet"].items()
             if not is_trainable_in_video(k) and not torch.equal(v, before["ema"]["unet"][k])]
    assert moved, "no spatial weight trained"
    from firstframe_train.model_card import spatial_layers_trained  # what the model card says
    assert spatial_layers_trained(run) and not spatial_layers_trained(trained)


def test_hard_share_trains_and_the_loss_report_compares_runs_clip_by_clip(trained, tmp_path, capsys):
    from firstframe_train import train_video, video_loss
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    before = load_checkpoint(run / "video_b.pt")
    train_video.main(["--preset", "tiny", "--runs", str(tmp_path), "--stage", "b",
                      "--steps", str(before["step"] + 2), "--hard-share", "1.0"])
    assert load_checkpoint(run / "video_b.pt")["hard_share"] == 1.0
    capsys.readouterr()
    video_loss.main(["--preset", "tiny", "--runs", str(trained.parent), str(trained.parent), str(tmp_path),
                     "--clips", "6", "--batch", "4"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| run | two objects") and rows[0].rstrip().endswith("all (6) |")
    same, trained_on = ([cell.strip() for cell in row.split("|")[2:-1]] for row in rows[-2:])
    assert same[-1] == "+0.0000 ± 0.0000"  # a run against itself: the same clips, noise and steps
    assert all(cell in ("-", "+0.0000") or cell.startswith("+0.0000 ± 0.0000") for cell in same)
    assert not trained_on[-1].startswith("+0.0000")  # two more steps changed the losses


def test_image_stage_without_zero_terminal_snr_is_an_ablation_arm(trained, tmp_path):
    # the zero-terminal-SNR ablation: a text-to-image run on the plain linear schedule, sampled on
    # the schedule it learned, never continued on the other one nor exported as a model
    from firstframe_train import evaluate, export, train_image
    from firstframe_train.schedule import TrainingSchedule, schedule_config
    assert TrainingSchedule(schedule_config(True)).sqrt_ac[-1] == 0
    assert TrainingSchedule(schedule_config(False)).sqrt_ac[-1] > 0.005  # signal left at the last step
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    (run / "image.pt").unlink()
    train_image.main(["--preset", "tiny", "--runs", str(tmp_path), "--steps", "2", "--no-zero-snr"])
    assert load_checkpoint(run / "image.pt")["zero_terminal_snr"] is False
    with pytest.raises(SystemExit, match="zero_terminal_snr=False"):
        train_image.main(["--preset", "tiny", "--runs", str(tmp_path), "--steps", "3"])
    common = ["--preset", "tiny", "--runs", str(tmp_path), "--count", "1", "--held-out", "0",
              "--out", str(tmp_path / "samples"), "--scores", str(tmp_path / "scores.json")]
    with pytest.raises(SystemExit, match="--image-only"):
        evaluate.main(common)
    evaluate.main(common + ["--image-only"])
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["zero_terminal_snr"] is False and scores["first_frame"]["all"]["videos"] == 1
    with pytest.raises(SystemExit, match="without zero terminal SNR"):
        export.main(["--preset", "tiny", "--runs", str(tmp_path), "--out", str(tmp_path / "model")])
    assert not (tmp_path / "model").exists()


def test_reference_evaluation_samples_each_stage_with_its_default_steps(trained, tmp_path):
    # the Python reference follows the export's defaults as the engine does: the first frame gets
    # image_num_inference_steps, the video num_inference_steps; an explicit --steps sets both
    from firstframe_train import evaluate
    from firstframe_train.export import DEFAULTS
    common = ["--preset", "tiny", "--runs", str(trained.parent), "--count", "1", "--held-out", "1"]
    evaluate.main(common + ["--out", str(tmp_path / "a"), "--scores", str(tmp_path / "a.json")])
    evaluate.main(common + ["--out", str(tmp_path / "b"), "--scores", str(tmp_path / "b.json"), "--steps", "3"])
    default, explicit = (json.loads((tmp_path / f"{k}.json").read_text()) for k in "ab")
    assert (default["image_steps"], default["steps"]) == (DEFAULTS["image_num_inference_steps"],
                                                         DEFAULTS["num_inference_steps"])
    assert (explicit["image_steps"], explicit["steps"]) == (3, 3)
    assert default["video"]["all"]["videos"] == 2 and len(list((tmp_path / "a").glob("*.mp4"))) == 4
    label = f"{DEFAULTS['image_num_inference_steps']} (first frame) / {DEFAULTS['num_inference_steps']} (video) steps"
    assert label in default["summary_markdown"]
    # and the first frame's own text guidance, the video's for the video
    assert (default["first_frame_guidance_scale"], default["guidance_scale"]) == (
        DEFAULTS["first_frame_guidance_scale"], DEFAULTS["guidance_scale"])
    assert f"guidance {DEFAULTS['first_frame_guidance_scale']} (first frame)" in default["summary_markdown"]


def test_export_is_a_valid_model_folder(trained, tmp_path):
    bundle = load_bundle(get_preset("tiny"), trained)
    export_bundle(bundle, tmp_path, "smoke", trained)
    index = json.loads((tmp_path / "model_index.json").read_text())
    assert set(index["components"]) == set(COMPONENTS)
    for name in COMPONENTS:
        model = onnx.load(str(tmp_path / name / "model.onnx"))
        onnx.checker.check_model(model)
        assert [i.name for i in model.graph.input] == list(index["components"][name]["inputs"])
        assert [o.name for o in model.graph.output] == list(index["components"][name]["outputs"])
    scheduler = json.loads((tmp_path / "scheduler_config.json").read_text())
    assert scheduler["prediction_type"] == "v_prediction" and scheduler["rescale_betas_zero_snr"] is True
    assert scheduler["timestep_spacing"] == "trailing"
    tokenizer = json.loads((tmp_path / "tokenizer.json").read_text())
    assert tokenizer["model"]["vocab"]["[PAD]"] == 0 and tokenizer["model"]["vocab"]["[UNK]"] == 1
    card = (tmp_path / "README.md").read_text()
    assert "| image-to-video, stage B | 2 |" in card
    assert "`training/WORLD.md`" in card and sampling_defaults(DEFAULTS) in card

    parity = tmp_path / "parity"
    write_fixtures(bundle, str(tmp_path), parity)
    node_check(tmp_path, parity)


def node_check(model_dir, parity_dir):
    """onnxruntime-node loads every component and matches PyTorch (skipped where not installed)."""
    ort_module = os.environ.get("ORT_MODULE")
    resolvable = ort_module or (REPO / "node_modules" / "onnxruntime-node").exists()
    if shutil.which("node") is None or not resolvable:
        why = "onnxruntime-node not installed (npm ci at the repo root, or set ORT_MODULE)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: CI must run the parity check, not skip it")
        pytest.skip(why)
    result = subprocess.run(["node", str(TRAINING / "tools" / "check_onnx.mjs"), str(model_dir), str(parity_dir)],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unet_video.out_sample" in result.stdout


def test_reference_sampler_runs(trained):
    pipe = ReferencePipeline(load_bundle(get_preset("tiny"), trained))
    gen = torch.Generator().manual_seed(0)
    latent, image = pipe.text_to_image("a red circle still on a black background", torch.randn(1, 4, 16, 16, generator=gen),
                                       scheduler="ddim", steps=2, guidance_rescale=0.5)
    assert image.shape == (1, 3, 64, 64) and torch.isfinite(image).all()
    for unet in ("video", "direct"):
        latents, frames = pipe.image_to_video("a red circle moving left on a black background", latent,
                                              torch.randn(1, 4, 6, 16, 16, generator=gen), scheduler="euler",
                                              steps=2, unet=unet)
        assert latents.shape == (1, 4, 6, 16, 16) and frames.shape == (6, 3, 64, 64)
        assert torch.isfinite(frames).all()
    with pytest.raises(UnknownWordsError, match="dragon"):
        pipe.encode_prompts(["a red dragon on a black background"])


def test_autoencoder_ceiling_report_judges_rendered_and_round_tripped_clips(trained):
    from firstframe_train import autoencoder_eval
    text = autoencoder_eval.main(["--preset", "tiny", "--runs", str(trained.parent), "--count", "3",
                                  "--held-out", "1"])
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ") and "---" not in line}
    assert set(rows) == {"frames", "rendered", "autoencoder round trip"}
    assert rows["rendered"][1] == "100.0 / 100.0"  # the world's own clips: every shape right
    # the tiny autoencoder trained 4 steps cannot carry a shape through
    assert rows["autoencoder round trip"][1] != "100.0 / 100.0"


def test_new_video_decoder_is_the_per_frame_decoder(trained):
    # its temporal blocks start as the identity: training starts from today's frames
    from firstframe_train.bundle import new_video_decoder
    bundle = load_bundle(get_preset("tiny"), trained)
    video_decoder = new_video_decoder(bundle.preset).eval()
    video_decoder.decoder.load_state_dict(bundle.autoencoder.decoder.state_dict())
    latents = torch.randn(2, 4, 5, 16, 16, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        together = video_decoder(latents)
        alone = bundle.autoencoder.decoder(latents.permute(0, 2, 1, 3, 4).flatten(0, 1))
    assert together.shape == (2, 3, 5, 64, 64)
    assert torch.allclose(together.permute(0, 2, 1, 3, 4).flatten(0, 1), alone, atol=1e-5)


def test_sdedit_runs_only_the_last_steps_from_the_noised_clip(trained):
    pipe = ReferencePipeline(load_bundle(get_preset("tiny"), trained))
    gen = torch.Generator().manual_seed(0)
    clip = torch.randn(1, 4, 4, 16, 16, generator=gen)
    noise = torch.randn(1, 4, 4, 16, 16, generator=gen)
    prompt = "a red circle moving left on a black background"
    for strength, calls in ((0.2, 2), (0.5, 5), (1.0, 10)):
        trace = []
        pipe.image_to_video(prompt, clip[:, :, 0], noise, steps=10, trace=trace, init_latents=clip, strength=strength)
        assert len(trace) == calls
    full = []
    pipe.image_to_video(prompt, clip[:, :, 0], noise, steps=10, trace=full)
    assert torch.allclose(full[-1], trace[-1])  # strength 1 starts from pure noise (zero terminal SNR)


def test_batched_sampling_matches_one_video_at_a_time(trained):
    # training pairs on a GPU denoise hundreds of clips together; each must be what the product's one-at-a-time
    # sampler would have drawn from the same noise
    pipe = ReferencePipeline(load_bundle(get_preset("tiny"), trained))
    gen = torch.Generator().manual_seed(3)
    prompts = ["a red circle moving left on a black background", "a small blue square growing on a white background"]
    first, noise = torch.randn(2, 4, 16, 16, generator=gen), torch.randn(2, 4, 4, 16, 16, generator=gen)
    init = torch.randn(2, 4, 4, 16, 16, generator=gen)
    for unet, extra in (("video", {}), ("direct", {}), ("video", {"init_latents": init, "strength": 0.5})):
        together, frames = pipe.image_to_video(prompts, first, noise, steps=4, unet=unet, decode=False, **extra)
        assert frames is None and together.shape == (2, 4, 4, 16, 16)
        for i, prompt in enumerate(prompts):
            alone_extra = {k: (v[i:i + 1] if torch.is_tensor(v) else v) for k, v in extra.items()}
            alone, _ = pipe.image_to_video(prompt, first[i:i + 1], noise[i:i + 1], steps=4, unet=unet, **alone_extra)
            assert torch.allclose(together[i:i + 1], alone, atol=1e-4), (unet, extra.keys(), i)
        other, _ = pipe.image_to_video(prompts[::-1], first, noise, steps=4, unet=unet, decode=False, **extra)
        assert not torch.allclose(other, together, atol=1e-3)  # the captions reach their own rows


def test_batched_pairs_are_the_same_kind_of_pairs(trained, tmp_path):
    from firstframe_train import train_video_decoder
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    train_video_decoder.main(["pairs", "--preset", "tiny", "--runs", str(tmp_path), "--count", "5", "--shard", "7",
                              "--batch", "2"])
    pairs = load_checkpoint(run / "video_decoder_pairs" / "shard-07.pt")
    assert pairs["latents"].shape == (5, 4, 16, 16, 16) and pairs["latents"].dtype == torch.float16
    assert pairs["clips"].shape == (5, 16, 64, 64, 3) and len(pairs["captions"]) == 5
    assert pairs["strengths"][0] == pairs["strengths"][1]  # one strength per batch of clips
    assert set(pairs["strengths"]) <= set(train_video_decoder.STRENGTHS)
    # the clips are the shard's own stream, whatever the batch
    alone = train_video_decoder.make_pairs(load_bundle(get_preset("tiny"), run), 2, seed=train_video_decoder.PAIRS_SEED + 7)
    assert alone["captions"] == pairs["captions"][:2]


def test_frame_anchor_trains_exports_and_imports(trained, tmp_path):
    # stage B with the spatial self-attention reading the first frame too
    # (training/experiments/11-voted-video-first-frame-attention.md)
    from firstframe_train import import_model, train_video
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    start = load_checkpoint(run / "video_b.pt")["step"]
    train_video.main(["--preset", "tiny", "--runs", str(tmp_path), "--stage", "b", "--steps", str(start + 2),
                      "--frame-anchor", "own+first", "--lr", "1e-4"])
    assert load_checkpoint(run / "video_b.pt")["frame_anchor"] == "own+first"
    train_video.main(["--preset", "tiny", "--runs", str(tmp_path), "--stage", "b", "--steps", str(start + 3)])
    saved = load_checkpoint(run / "video_b.pt")
    assert saved["step"] == start + 3 and saved["frame_anchor"] == "own+first"  # kept on resume
    bundle = load_bundle(get_preset("tiny"), run)
    assert bundle.unet_video.frame_anchor == "own+first"
    export_bundle(bundle, tmp_path / "model", "smoke", run)
    index = json.loads((tmp_path / "model" / "model_index.json").read_text())
    assert index["components"]["unet_video"]["frame_anchor"] == "own+first"
    assert "frame_anchor" not in index["components"]["unet_image"]
    imported = tmp_path / "imported"
    import_model.main(["--preset", "tiny", "--runs", str(imported), "--model", str(tmp_path / "model"), "--video"])
    back = load_checkpoint(imported / "tiny" / "video_b.pt")
    assert back["frame_anchor"] == "own+first"
    for name, value in saved["ema"]["unet"].items():
        assert torch.equal(back["ema"]["unet"][name], value), name


def test_import_refuses_a_folder_exported_from_another_version_of_the_network(tmp_path):
    # a unet_video whose weights are named otherwise than this code's export names them (here: the
    # fixture's fast-layout graph with its export_layout dropped, so it is probed as the training
    # layout; an older forward() numbers its unnamed weights differently the same way): placing them
    # by name would scramble them; the import must stop and say so
    from firstframe_train import import_model
    fixture = tmp_path / "model"
    shutil.copytree(TRAINING.parent / "test" / "fixtures" / "tiny-model", fixture)
    index = json.loads((fixture / "model_index.json").read_text())
    del index["components"]["unet_video"]["export_layout"]
    (fixture / "model_index.json").write_text(json.dumps(index))
    with pytest.raises(SystemExit, match=r"unet_video/model.onnx: \d+ weights .* another version"):
        import_model.main(["--preset", "tiny", "--runs", str(tmp_path), "--model", str(fixture), "--video"])
    assert not (tmp_path / "tiny" / "video_b.pt").exists()  # nothing written half-way


def test_video_decoder_stage_trains_exports_and_imports(trained, tmp_path):
    from firstframe_train import import_model, train_video_decoder
    run = tmp_path / "tiny"
    shutil.copytree(trained, run)
    train_video_decoder.main(["pairs", "--preset", "tiny", "--runs", str(tmp_path), "--count", "2", "--shard", "0"])
    train_video_decoder.main(["train", "--preset", "tiny", "--runs", str(tmp_path), "--steps", "3"])
    saved = load_checkpoint(run / "video_decoder.pt")
    assert saved["step"] == 3 and set(saved["held_back_errors"]) == {"per_frame", "video_decoder"}
    bundle = load_bundle(get_preset("tiny"), run)
    assert bundle.video_decoder is not None
    export_bundle(bundle, tmp_path / "model", "smoke", run)
    index = json.loads((tmp_path / "model" / "model_index.json").read_text())
    assert index["components"]["vae_video_decoder"]["inputs"] == {"latent": ["batch", 4, "frames", 16, 16]}
    imported = tmp_path / "imported"
    import_model.main(["--preset", "tiny", "--runs", str(imported), "--model", str(tmp_path / "model"), "--video"])
    back = load_checkpoint(imported / "tiny" / "video_decoder.pt")["ema"]["video_decoder"]
    for name, value in saved["ema"]["video_decoder"].items():
        assert torch.equal(back[name], value), name
    # the reference sampler decodes through it, frame 0 from the first frame's latent
    pipe = ReferencePipeline(bundle)
    latents = torch.randn(1, 4, 4, 16, 16, generator=torch.Generator().manual_seed(1))
    first = torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(2))
    frames = pipe.decode_video(latents, first)
    replaced = latents.clone()
    replaced[:, :, 0] = first
    with torch.no_grad():
        expected = bundle.video_decoder(replaced / bundle.scaling_factor)[0].permute(1, 0, 2, 3)
    assert frames.shape == (4, 3, 64, 64) and torch.equal(frames, expected)


def test_video_decoder_training_needs_pairs(trained, tmp_path):
    from firstframe_train import train_video_decoder
    shutil.copytree(trained, tmp_path / "tiny")
    with pytest.raises(SystemExit, match="no pairs"):
        train_video_decoder.main(["train", "--preset", "tiny", "--runs", str(tmp_path), "--steps", "1"])


def test_weak_guidance_trial_skips_the_temporal_blocks_runs_and_compares(trained, tmp_path, monkeypatch, capsys):
    # tools/weak_guidance_trial.py (sixteenth round): its weak row must be the spatial layers alone, and
    # its run and compare must work on a real run folder
    import importlib.util
    import copy
    from types import SimpleNamespace
    from firstframe_train.nets import layers
    spec = importlib.util.spec_from_file_location("weak_guidance_trial", TRAINING / "tools" / "weak_guidance_trial.py")
    trial = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trial)
    monkeypatch.setattr(layers.TemporalBlock, "forward", layers.TemporalBlock.forward)  # undone after the test
    preset = get_preset("tiny")
    unet = load_bundle(preset, trained).unet_video
    with torch.no_grad():
        for p in unet.temporal.parameters():
            p.copy_(0.2 * torch.randn(p.shape, generator=torch.Generator().manual_seed(5)))
    spatial_only = copy.deepcopy(unet)
    for key in list(spatial_only.temporal.keys()):
        spatial_only.temporal[key] = layers.TemporalBlock(  # a new block is the identity
            spatial_only.temporal[key].conv.in_channels, preset.unet.temporal_heads, preset.text.hidden_size)
    trial.patch_temporal_blocks()
    gen = torch.Generator().manual_seed(2)
    x, t = torch.randn(1, 9, 4, 16, 16, generator=gen), torch.tensor([500.0])
    ctx = torch.randn(1, preset.text.max_length, preset.text.hidden_size, generator=gen)
    with torch.no_grad():
        whole, reference = unet(x, t, ctx), spatial_only(x, t, ctx)
        trial.SKIP.update(on=True, parts="all")
        skipped = unet(x, t, ctx)
        trial.SKIP["on"] = False
    assert torch.allclose(skipped, reference, atol=1e-5) and not torch.allclose(whole, reference, atol=1e-3)

    threads = torch.get_num_threads()
    out = tmp_path / "skip.json"
    try:
        trial.run(SimpleNamespace(mode="skip-all", scale=0.5, old_run=None, preset="tiny", runs=str(trained.parent),
                                  count=1, held_out=1, seed=3, out=str(out)))
    finally:
        torch.set_num_threads(threads)
    rows = json.loads(out.read_text())["rows"]
    assert [r["held_out"] for r in rows] == [False, True] and all(r["objects"] for r in rows)
    # compare: against a copy where the first prompt's objects all fail, every right one counts as fixed
    broken = json.loads(out.read_text())
    broken["rows"][0]["ok"] = False
    broken["rows"][0]["objects"] = [{a: False for a in o} for o in broken["rows"][0]["objects"]]
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    capsys.readouterr()
    trial.compare([str(tmp_path / "broken.json"), str(out)])
    lines = capsys.readouterr().out.strip().splitlines()
    colour_right = sum(o["colour"] for o in rows[0]["objects"])
    assert len(lines) == 2 and "colour" in lines[1] and f"(+{colour_right} -0)" in lines[1].split("colour")[1]
