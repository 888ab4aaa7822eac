"""The scorer behind `npm run eval`: on a manifest of the world's own renders (MP4 + candidate
PNGs, as the TypeScript engine writes them) it must report near-perfect scores and see that
the candidates' layouts differ; on wrong captions and copied candidates it must say so."""
import dataclasses
import json
import struct
import zlib

import numpy as np
import pytest

from firstframe_train import media, world
from firstframe_train.product_eval import foreground_box, layouts_differ, object_count, report, score_run


def candidate_scenes(rng, scene, count=4):
    """Scenes with the same objects and background but new start positions."""
    out = []
    while len(out) < count:
        tracks = world._place(rng, scene.objects)
        if tracks is not None:
            out.append(dataclasses.replace(scene, tracks=tracks))
    return out


def write_png(frame: np.ndarray, path) -> None:
    """uint8 [H, W, 3] -> an 8-bit RGB PNG (what the engine writes for a candidate)."""
    height, width, _ = frame.shape
    raw = b"".join(b"\x00" + frame[y].tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_run(folder, scenes, rng, captions=None, same_candidates=False):
    folder.mkdir()
    items = []
    videos = [world.render(s) for s in scenes]
    media.write_mp4s(videos, [folder / f"{i}.mp4" for i in range(len(scenes))])
    for i, scene in enumerate(scenes):
        variants = [scene] * 4 if same_candidates else candidate_scenes(rng, scene)
        files = []
        for k, variant in enumerate(variants):
            path = folder / f"{i}_candidate{k + 1}.png"
            write_png(world.render(variant, num_frames=1)[0], path)
            files.append(path.name)
        caption = captions[i] if captions else scene.caption
        items.append({"index": i, "prompt": caption, "held_out": any(
            (o.colour, o.shape) in world.HELD_OUT for o in scene.objects), "candidates": files,
            "video": f"{i}.mp4"})
    (folder / "manifest.json").write_text(json.dumps(
        {"model": "world", "settings": {"scheduler": "render", "steps": 0}, "items": items}))
    return folder


@pytest.fixture(scope="module")
def scenes():
    rng = np.random.default_rng(7)
    return ([world.sample_scene(rng, held_out="exclude") for _ in range(10)] +
            [world.sample_scene(rng, held_out="only") for _ in range(4)])


def test_the_world_scores_near_perfect(tmp_path, scenes):
    scores = score_run(write_run(tmp_path / "run", scenes, np.random.default_rng(1)))
    for group in ("seen", "held_out"):
        stats = scores["video"][group]
        assert stats["videos"] == (10 if group == "seen" else 4)
        for attribute in ("colour", "shape", "size", "motion", "background", "consistency"):
            assert stats[attribute] >= 0.9, (group, attribute, stats)
        assert scores["candidates"][group]["faithful"] >= 0.9
    assert scores["candidates"]["all"]["layouts_differ"] >= 0.7
    assert scores["candidates"]["all"]["right_count"] >= 0.95
    text = report([(tmp_path / "run", scores)])
    assert "| run: render 0 steps, held-out | 4 |" in text


def test_wrong_captions_and_copied_candidates_are_caught(tmp_path, scenes):
    wrong = [world.caption([dataclasses.replace(o, shape="cross" if o.shape != "cross" else "circle")
                            for o in s.objects], s.background) for s in scenes]
    scores = score_run(write_run(tmp_path / "run", scenes, np.random.default_rng(1), captions=wrong,
                                 same_candidates=True))
    assert scores["video"]["all"]["shape"] <= 0.1
    assert scores["candidates"]["all"]["faithful"] <= 0.1
    assert scores["candidates"]["all"]["layouts_differ"] == 0.0


def test_layout_boxes():
    frame = np.zeros((64, 64, 3), np.uint8)
    assert foreground_box(frame, "black") is None
    frame[10:20, 30:40] = (230, 40, 40)
    assert foreground_box(frame, "black") == (35.0, 15.0, 10.0)
    assert layouts_differ([(35, 15, 10), (40, 15, 10), (35, 25, 10), (35, 15, 20)])
    assert not layouts_differ([(35, 15, 10), (36, 16, 11), (50, 50, 10), (10, 10, 10)])
    assert not layouts_differ([(35, 15, 10), None])
    assert object_count(frame) == 1
    frame[40:44, 40:44] = (40, 80, 230)   # 16 px: counts
    frame[50:52, 50:52] = (40, 80, 230)   # 4 px: a speck, not an object
    assert object_count(frame) == 2
