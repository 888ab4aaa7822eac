"""The masked video model (issue 28): conditioning masks first / interpolate / continue in training,
the manifest's video_masks, and the reference sampler's masked uses (docs/model-format.md,
"Masked uses"), on the tiny preset."""
import json
import shutil

import numpy as np
import pytest
import torch

from firstframe_train import train_all, train_video
from firstframe_train.bundle import load_bundle
from firstframe_train.config import get_preset
from firstframe_train.data import (FIRST_ONLY, MASK_KINDS, mask_frames, parse_mask_mix, sample_condition_masks,
                                   pixels_to_tensor)
from firstframe_train.export import export_bundle, video_masks
from firstframe_train.pipeline import ReferencePipeline, interpolation_windows
from firstframe_train.runs import load_checkpoint
from firstframe_train.train_video import image_conditioning, masked_conditioning
from firstframe_train import world

MIX = "first=0.4,interpolate=0.3,continue=0.3"
PROMPT = "a red circle moving left on a black background"


def test_each_mask_kind_conditions_the_right_frames():
    rng = np.random.default_rng(0)
    assert np.flatnonzero(mask_frames("first", 16)).tolist() == [0]
    assert np.flatnonzero(mask_frames("interpolate", 16, k=2)).tolist() == [0, 2, 4, 6, 8, 10, 12, 14]
    assert np.flatnonzero(mask_frames("interpolate", 16, k=4)).tolist() == [0, 4, 8, 12]
    assert np.flatnonzero(mask_frames("continue", 16, k=3)).tolist() == [0, 1, 2]
    strides = {tuple(np.flatnonzero(mask_frames("interpolate", 8, rng))) for _ in range(50)}
    assert strides == {(0, 2, 4, 6), (0, 4)}
    ks = {int(mask_frames("continue", 16, rng).sum()) for _ in range(300)}
    assert ks == set(range(1, 9))  # k in 1..F/2
    for _ in range(50):
        m = mask_frames("continue", 16, rng)
        assert m[: m.sum()].all() and not m[m.sum():].any()  # the first k frames


def test_sampled_masks_follow_the_mix_and_first_only_draws_nothing():
    rng = np.random.default_rng(1)
    masks, kinds = sample_condition_masks(rng, 2000, 16, parse_mask_mix(MIX))
    assert masks.shape == (2000, 16) and masks[:, 0].all()  # every kind gives frame 0
    shares = {kind: kinds.count(kind) / len(kinds) for kind in MASK_KINDS}
    assert abs(shares["first"] - 0.4) < 0.05 and abs(shares["interpolate"] - 0.3) < 0.05
    for mask, kind in zip(masks, kinds):
        on = np.flatnonzero(mask).tolist()
        if kind == "first":
            assert on == [0]
        elif kind == "interpolate":
            assert on in ([0, 2, 4, 6, 8, 10, 12, 14], [0, 4, 8, 12])
        else:
            assert on == list(range(len(on))) and 1 <= len(on) <= 8
    untouched = np.random.default_rng(5)
    masks, kinds = sample_condition_masks(untouched, 3, 8, FIRST_ONLY)
    assert set(kinds) == {"first"} and masks.sum() == 3
    assert untouched.random() == np.random.default_rng(5).random()  # the same run as before masks existed


def test_mask_mix_parsing():
    assert parse_mask_mix("first=1") == FIRST_ONLY
    assert parse_mask_mix("continue=0.5,first=0.5,interpolate=0") == {"first": 0.5, "continue": 0.5}
    for bad in ("first=0.5", "middle=1", "first=1.5,continue=-0.5", ""):
        with pytest.raises(ValueError):
            parse_mask_mix(bad)


def test_first_frame_mask_is_the_image_conditioning():
    latents = torch.randn(3, 4, 5, 16, 16)
    keep = torch.tensor([True, False, True])
    mask = torch.zeros(5, dtype=torch.bool)
    mask[0] = True
    assert torch.equal(masked_conditioning(latents, mask, keep), image_conditioning(latents[:, :, 0], 5, keep))
    rows = torch.from_numpy(np.stack([mask_frames("interpolate", 5, k=2), mask_frames("continue", 5, k=2),
                                      mask_frames("first", 5)]))
    cond = masked_conditioning(latents, rows, keep)
    assert torch.equal(cond[0, 4], rows[0].float().reshape(5, 1, 1).expand(5, 16, 16))
    assert torch.equal(cond[0, :4, 2], latents[0, :, 2]) and not cond[0, :4, 1].any()
    assert not cond[1].any()  # guidance dropout drops the whole mask


def test_interpolation_windows_cover_every_pair_once():
    for n in range(2, 30):
        for width in (2, 4, 8):
            starts = interpolation_windows(n, width)
            filled = set()
            for s in starts:
                assert s >= 0 and (s + width <= n or (starts == [0] and n < width))
                filled |= set(range(s, min(s + width, n) - 1))
            assert filled == set(range(n - 1)), (n, width, starts)
    assert interpolation_windows(15, 8) == [0, 7]
    assert interpolation_windows(16, 8) == [0, 7, 8]


@pytest.fixture(scope="module")
def masked(tmp_path_factory):
    """The tiny pipeline, then two steps of stage B with the mask mix (as device_run.sh MASKS=...)."""
    runs = tmp_path_factory.mktemp("runs")
    train_all.main(["--preset", "tiny", "--runs", str(runs)])
    run = runs / "tiny"
    plain = runs / "plain" / "tiny"
    shutil.copytree(run, plain)
    start = load_checkpoint(run / "video_b.pt")["step"]
    train_video.main(["--preset", "tiny", "--runs", str(runs), "--stage", "b", "--steps", str(start + 2),
                      "--mask-mix", MIX])
    return run, plain, start


def test_a_training_step_runs_with_the_mix_and_resume_keeps_it(masked):
    run, _, start = masked
    saved = load_checkpoint(run / "video_b.pt")
    assert saved["step"] == start + 2 and saved["mask_mix"] == parse_mask_mix(MIX)
    train_video.main(["--preset", "tiny", "--runs", str(run.parent), "--stage", "b", "--steps", str(start + 3)])
    saved = load_checkpoint(run / "video_b.pt")
    assert saved["step"] == start + 3 and saved["mask_mix"] == parse_mask_mix(MIX)


def test_export_lists_the_masks_it_was_trained_with(masked, tmp_path):
    run, plain, _ = masked
    assert video_masks(plain, "video_b") == []  # image-to-video only: the field is left out
    assert load_checkpoint(plain / "video_b.pt")["mask_mix"] == FIRST_ONLY
    preset = get_preset("tiny")
    index = export_bundle(load_bundle(preset, run), tmp_path / "model", "masked", run)
    written = json.loads((tmp_path / "model" / "model_index.json").read_text())
    assert index["video_masks"] == written["video_masks"] == ["first", "interpolate", "continue"]


@pytest.fixture(scope="module")
def pipe(masked):
    return ReferencePipeline(load_bundle(get_preset("tiny"), masked[0]))


def clip(frames=16, seed=3):
    rng = np.random.default_rng(seed)
    scene = world.sample_scene(rng, held_out="exclude")
    return pixels_to_tensor(world.render(scene)[:frames]), scene.caption


def test_masked_first_frame_is_image_to_video(pipe):
    gen = torch.Generator().manual_seed(0)
    video, caption = clip(6)
    first = pipe.encode_image(video[:1])
    noise = torch.randn(1, 4, 6, 16, 16, generator=gen)
    expected, _ = pipe.image_to_video(caption, first, noise, scheduler="ddim", steps=2, decode=False)
    cond = torch.zeros(1, 4, 6, 16, 16)
    cond[:, :, 0] = first
    got, frames = pipe.masked_video(caption, cond, torch.arange(6) == 0, noise, scheduler="ddim", steps=2)
    assert torch.allclose(got[:, :, 1:], expected[:, :, 1:], atol=1e-6)
    assert torch.equal(got[:, :, 0], first) and frames.shape == (6, 3, 64, 64)


def round_trip(pipe, frames):
    return pipe.decode(pipe.encode_image(frames))


@pytest.mark.parametrize("n", [3, 5, 10])
def test_interpolate_keeps_the_keyframes_and_fills_between(pipe, n):
    video, caption = clip(n)
    gen = torch.Generator().manual_seed(1)
    latents, frames = pipe.interpolate(video, caption, num_frames=8, generator=gen, scheduler="ddim", steps=2)
    assert latents.shape == (1, 4, 2 * n - 1, 16, 16) and frames.shape == (2 * n - 1, 3, 64, 64)
    assert torch.isfinite(frames).all()
    assert torch.allclose(frames[0::2], round_trip(pipe, video), atol=1e-5)  # the inputs' own reconstruction
    assert latents[:, :, 1::2].abs().sum(dim=(0, 1, 3, 4)).gt(0).all()  # every in-between frame was made


def test_continue_gives_the_next_frames_from_the_last_k(pipe):
    video, caption = clip(6)
    gen = torch.Generator().manual_seed(2)
    window, new = pipe.continue_video(video, 3, caption, num_frames=8, generator=gen, scheduler="ddim", steps=2)
    assert window.shape == (1, 4, 8, 16, 16) and new.shape == (5, 3, 64, 64) and torch.isfinite(new).all()
    assert torch.allclose(window[:, :, :3], pipe.encode_image(video[-3:]).permute(1, 0, 2, 3).unsqueeze(0))
    assert torch.allclose(pipe.decode_video(window)[:3], round_trip(pipe, video[-3:]), atol=1e-5)
    with pytest.raises(ValueError):
        pipe.continue_video(video, 5, caption, num_frames=8)  # k <= F / 2, as trained
