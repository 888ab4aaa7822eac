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
from firstframe_train.product_eval import (compare, comparison_report, foreground_box, layouts_differ, main,
                                           object_count, report, score_run, sign_test, vote)


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


def test_the_vote_goes_to_the_faithful_candidate(tmp_path, scenes):
    run = write_run(tmp_path / "run", scenes[:3], np.random.default_rng(2))
    # prompt 0: candidates 1 and 2 draw every object as the wrong shape, 3 and 4 draw the caption;
    # prompt 1: candidate 1 is wrong; prompt 2: all four are right
    for index, wrong_numbers in ((0, (1, 2)), (1, (1,))):
        scene = scenes[index]
        wrong = dataclasses.replace(scene, objects=[
            dataclasses.replace(o, shape="cross" if o.shape != "cross" else "circle") for o in scene.objects])
        for number in wrong_numbers:
            write_png(world.render(wrong, num_frames=1)[0], run / f"{index}_candidate{number}.png")
    votes = vote(run)
    assert [v["pick"] for v in votes] == [3, 2, 1]
    assert votes[0]["failures"][0] >= 1 and votes[0]["failures"][2] == 0
    assert json.loads((run / "votes.json").read_text()) == votes


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


def scored(model, failures_per_prompt):
    items = [{"prompt": f"a red circle moving {d} on a black background", "ok": not failures, "failures": failures}
             for d, failures in zip(["up", "down", "left", "right"] * 3, failures_per_prompt)]
    return {"model": model, "items": items}


def test_paired_comparison_counts_fixed_and_broken_objects(tmp_path):
    baseline = scored("old", [["object 1 consistency"], ["object 1 shape: saw square", "object 2 size: saw 12.3"],
                              [], ["background: saw white"]] + [["object 1 motion: saw still"]] * 7)
    new = scored("new", [[], ["object 1 shape: saw diamond"], ["object 2 shape: saw cross"],
                         ["background: saw white"]] + [[]] * 7)
    result = compare(baseline, new)
    # object 1's shape failed in both runs (the judge saw another wrong shape): neither fixed nor broken
    assert result["fixed"] == {"consistency": 1, "size": 1, "motion": 7}
    assert result["broken"] == {"shape": 1}
    assert result["fully_right"] == {"baseline": 1, "new": 8, "only_new": 8, "only_baseline": 1,
                                     "sign_test_p": sign_test(8, 1)}
    text = comparison_report(baseline, new, names=("old", "new"))
    assert "| motion | 7 | 0 |" in text and "| shape | 0 | 1 |" in text
    assert "Fully right videos: 1 -> 8; right only with new: 8, only with old: 1 (two-sided sign test p = 0.039)" in text
    # the command line reads two scores.json and writes the same markdown
    for name, scores in (("old", baseline), ("new", new)):
        (tmp_path / f"{name}.json").write_text(json.dumps(scores))
    main(["compare", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--out", str(tmp_path / "c.md")])
    assert (tmp_path / "c.md").read_text() == text


def test_sign_test_and_mismatched_runs():
    assert sign_test(0, 0) == 1.0 and sign_test(3, 3) == 1.0
    assert sign_test(7, 0) == sign_test(0, 7) == 2 / 128
    assert abs(sign_test(15, 3) - 0.00754) < 1e-4
    with pytest.raises(ValueError, match="different prompts"):
        compare(scored("a", [[]] * 3), scored("b", [[]] * 4))
