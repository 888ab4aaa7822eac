"""The judge scores the world's own videos (through MP4, as the product writes them) at
>= 99 % per attribute, and rejects captions that do not match them."""

import dataclasses
import json
import subprocess

import numpy as np
import pytest

from firstframe_train import media, world
from firstframe_train.judge import ATTRIBUTES, aggregate, judge, judge_file
from firstframe_train.world import BACKGROUNDS, COLOURS, MOTIONS, SHAPES, SIZE_EXTENT, HELD_OUT

SEED = 20261126
MIXED_SCENES, HELD_OUT_SCENES = 180, 30      # 210 videos in all
NEGATIVE_VIDEOS = 100                       # wrong captions are tried on these
PASS_RATE, REJECT_RATE = 0.99, 0.95


@pytest.fixture(scope="module")
def decoded(tmp_path_factory):
    """(scene, frames read back from its MP4) for a fixed set of random scenes."""
    rng = np.random.default_rng(SEED)
    scenes = [world.sample_scene(rng, held_out="allow", two_object_prob=0.4) for _ in range(MIXED_SCENES)]
    scenes += [world.sample_scene(rng, held_out="only") for _ in range(HELD_OUT_SCENES)]
    folder = tmp_path_factory.mktemp("videos")
    paths = [folder / f"{i:03d}.mp4" for i in range(len(scenes))]
    # the batch forms encode each file exactly as write_mp4 / read_video (tested below)
    media.write_mp4s([world.render(s) for s in scenes], paths)
    return list(zip(scenes, media.read_videos(paths)))


def test_the_sample_covers_the_world(decoded):
    objects = [o for scene, _ in decoded for o in scene.objects]
    assert {o.motion for o in objects} == set(MOTIONS)
    assert {o.shape for o in objects} == set(SHAPES)
    assert {o.colour for o in objects} == set(COLOURS)
    assert {o.size for o in objects} == set(SIZE_EXTENT)
    assert {scene.background for scene, _ in decoded} == set(BACKGROUNDS)
    assert sum(len(scene.objects) == 2 for scene, _ in decoded) >= 50
    assert {(o.colour, o.shape) for o in objects} >= HELD_OUT


def test_judge_passes_the_worlds_own_videos(decoded):
    verdicts = [judge(frames, scene.caption) for scene, frames in decoded]
    report = aggregate(verdicts)
    print("\njudge accuracy on rendered MP4s:", json.dumps(report, indent=1))
    failures = [(v.caption, v.failures()) for v in verdicts if not v.ok]
    for attribute in ATTRIBUTES:      # count: no extra objects seen
        assert report["all"][attribute] >= PASS_RATE, (attribute, failures)
        assert report["held_out"][attribute] >= 0.97, (attribute, failures)
    assert report["all"]["caption"] >= 0.98, failures       # whole videos fully right
    # Every motion separately, so no rare motion hides behind the average.
    for motion in MOTIONS:
        scored = [o.motion for v in verdicts for o in v.objects if o.spec.motion == motion]
        assert len(scored) >= 10 and np.mean(scored) >= 0.97, (motion, failures)


def test_judge_tolerates_imperfect_colours_and_noise():
    """Model outputs will not hit the palette exactly: shift each video's colours and add noise."""
    rng = np.random.default_rng(SEED + 1)
    verdicts = []
    for _ in range(60):
        scene = world.sample_scene(rng, held_out="allow", two_object_prob=0.4)
        frames = world.render(scene).astype(np.float32) + rng.uniform(-25, 25, size=3)
        frames += rng.normal(0, 10, size=frames.shape)
        verdicts.append(judge(np.clip(np.rint(frames), 0, 255).astype(np.uint8), scene.caption))
    report = aggregate(verdicts)["all"]
    assert all(report[attribute] >= 0.97 for attribute in ATTRIBUTES), report


def test_a_single_first_frame_is_judged_without_motion():
    """Text-to-image outputs are one frame: everything but motion can be scored."""
    rng = np.random.default_rng(SEED + 2)
    for _ in range(20):
        scene = world.sample_scene(rng)
        attributes = judge(world.render(scene, num_frames=1), scene.caption).attributes()
        assert all(attributes[a] for a in ("colour", "shape", "size", "background")), scene.caption
        assert not attributes["motion"]


def _other(options, current, rng, forbidden=()):
    choices = [o for o in options if o != current and o not in forbidden]
    return choices[int(rng.integers(len(choices)))]


def _wrong_caption(scene, attribute, rng):
    """The scene's caption with one attribute of one object (or the background) changed."""
    objects = list(scene.objects)
    if attribute == "background":
        return world.caption(objects, _other(list(BACKGROUNDS), scene.background, rng)), None
    index = int(rng.integers(len(objects)))
    obj, others = objects[index], [o for i, o in enumerate(objects) if i != index]
    if attribute == "colour":
        taken = [o.colour for o in others if o.shape == obj.shape]
        obj = dataclasses.replace(obj, colour=_other(list(COLOURS), obj.colour, rng, taken))
    elif attribute == "shape":
        taken = [o.shape for o in others if o.colour == obj.colour]
        obj = dataclasses.replace(obj, shape=_other(SHAPES, obj.shape, rng, taken))
    elif attribute == "size":
        obj = dataclasses.replace(obj, size=_other(list(SIZE_EXTENT), obj.size, rng))
    else:
        obj = dataclasses.replace(obj, motion=_other(MOTIONS, obj.motion, rng))
    objects[index] = obj
    return world.caption(objects, scene.background), index


@pytest.mark.parametrize("attribute", ["colour", "shape", "size", "motion", "background"])
def test_judge_rejects_wrong_captions(decoded, attribute):
    rng = np.random.default_rng(SEED + len(attribute))
    rejected, pinpointed = [], []
    for scene, frames in decoded[:NEGATIVE_VIDEOS]:
        wrong, index = _wrong_caption(scene, attribute, rng)
        verdict = judge(frames, wrong)
        rejected.append(not verdict.ok)
        flagged = verdict.background if index is None else getattr(verdict.objects[index], attribute)
        pinpointed.append(not flagged)
    print(f"\n{attribute}: rejected {np.mean(rejected):.3f}, "
          f"the changed attribute flagged {np.mean(pinpointed):.3f} of {len(rejected)}")
    assert np.mean(rejected) >= REJECT_RATE
    assert np.mean(pinpointed) >= REJECT_RATE


def test_judge_file_reads_the_mp4(tmp_path):
    scene = world.sample_scene(np.random.default_rng(5), max_objects=1)
    path = tmp_path / "clip.mp4"
    media.write_mp4(world.render(scene), path)
    assert judge_file(path, scene.caption).ok
    wrong = scene.caption.replace(scene.background, _other(list(BACKGROUNDS), scene.background,
                                                           np.random.default_rng(0)))
    verdict = judge_file(path, wrong)
    assert not verdict.ok and not verdict.background and verdict.failures()[0].startswith("background")


def test_judge_refuses_bad_input():
    frames = world.render(world.sample_scene(np.random.default_rng(1)))
    with pytest.raises(ValueError, match="unknown shape 'blob'"):
        judge(frames, "a red blob still on a black background")
    with pytest.raises(ValueError, match=r"frames must be \[F, H, W, 3\]"):
        judge(frames[..., 0], "a red circle still on a black background")


def test_an_empty_video_fails_every_object_attribute():
    empty = np.zeros((16, 64, 64, 3), dtype=np.uint8)
    verdict = judge(empty, "a red circle moving left on a black background")
    assert verdict.background and not verdict.ok
    assert not any(verdict.attributes()[a] for a in ("colour", "shape", "size", "motion", "consistency"))


def test_an_object_that_changes_colour_midway_is_inconsistent():
    scene = world.Scene([world.ObjectSpec("red", "square", None, "still")], "black", "",
                        [world.Track((30.0, 30.0), extent_start=14, extent_end=14)])
    frames = world.render(scene)
    frames[8:][np.all(frames[8:] == COLOURS["red"], axis=-1)] = COLOURS["orange"]
    verdict = judge(frames, "a red square still on a black background")
    assert verdict.objects[0].colour and not verdict.objects[0].consistency


def test_an_object_that_changes_shape_midway_is_inconsistent():
    still = world.Track((30.0, 30.0), extent_start=14, extent_end=14)
    square = world.render(world.Scene([world.ObjectSpec("red", "square", None, "still")], "black", "", [still]))
    circle = world.render(world.Scene([world.ObjectSpec("red", "circle", None, "still")], "black", "", [still]))
    frames = np.concatenate([square[:11], circle[11:]])   # mostly a square
    verdict = judge(frames, "a red square still on a black background")
    assert verdict.objects[0].shape and not verdict.objects[0].consistency


def test_write_mp4_makes_the_products_format(tmp_path):
    frames = world.render(world.sample_scene(np.random.default_rng(2)))
    path = tmp_path / "clip.mp4"
    media.write_mp4(frames, path)
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
                            "-show_entries", "stream=codec_name,pix_fmt,width,height,nb_read_frames,r_frame_rate",
                            "-of", "json", str(path)], capture_output=True, text=True, check=True)
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream == {"codec_name": "h264", "pix_fmt": "yuv420p", "width": 256, "height": 256,
                      "r_frame_rate": "8/1", "nb_read_frames": "16"}
    with open(path, "rb") as handle:
        head = handle.read(64)
    assert head.find(b"moov") != -1 or head.find(b"ftyp") != -1   # +faststart: index up front
    back = media.read_video(path)
    assert back.shape == frames.shape and np.abs(back.astype(int) - frames).mean() < 2.0
    media.write_mp4s([frames, frames[:8]], [tmp_path / "a.mp4", tmp_path / "b.mp4"])
    assert (tmp_path / "a.mp4").read_bytes() == path.read_bytes(), "batches encode as single files do"
    batch = media.read_videos([tmp_path / "a.mp4", tmp_path / "b.mp4"])
    assert np.array_equal(batch[0], back) and batch[1].shape == (8, 64, 64, 3)


def test_media_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match=r"frames must be uint8 \[F, H, W, 3\]"):
        media.write_mp4(np.zeros((16, 64, 64), dtype=np.uint8), tmp_path / "x.mp4")
    with pytest.raises(FileNotFoundError, match="no video file"):
        media.read_video(tmp_path / "missing.mp4")
