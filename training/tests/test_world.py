"""The renderer keeps the promises of training/WORLD.md."""

import numpy as np
import pytest

from firstframe_train import world
from firstframe_train.world import (
    BACKGROUNDS, COLOURS, HELD_OUT, MOTIONS, NUM_FRAMES, SHAPES, SIZE, SIZE_EXTENT,
    ObjectSpec, Scene, Track, parse_caption, render, sample_batch, sample_scene, shape_masks,
)

SCENES = 600


@pytest.fixture(scope="module")
def scenes():
    rng = np.random.default_rng(1234)
    return [sample_scene(rng, held_out="allow", two_object_prob=0.5) for _ in range(SCENES)]


def test_every_word_of_the_world_is_sampled(scenes):
    objects = [o for s in scenes for o in s.objects]
    assert {o.motion for o in objects} == set(MOTIONS)
    assert {o.shape for o in objects} == set(SHAPES)
    assert {o.colour for o in objects} == set(COLOURS)
    assert {o.size for o in objects} == set(SIZE_EXTENT)
    assert {s.background for s in scenes} == set(BACKGROUNDS)
    assert 0.4 < np.mean([len(s.objects) == 2 for s in scenes]) < 0.6


def test_objects_stay_wholly_inside_the_frame(scenes):
    for scene in scenes:
        for track in scene.tracks:
            centres, extents = track.at(np.linspace(0, 1, 61))
            low = centres - extents[:, None] / 2
            high = centres + extents[:, None] / 2
            assert low.min() >= 0 and high.max() <= SIZE, scene.caption


def test_start_extent_is_the_stated_size(scenes):
    for scene in scenes:
        for obj, track in zip(scene.objects, scene.tracks):
            assert track.extents[0] == SIZE_EXTENT[obj.size]


def test_motions_follow_their_ranges(scenes):
    for scene in scenes:
        for obj, track in zip(scene.objects, scene.tracks):
            centres, extents = track.centres, track.extents
            xs, ys = centres[:, 0], centres[:, 1]
            steps = np.diff(centres, axis=0)
            if obj.motion.startswith("moving"):
                axis = 0 if obj.motion in ("moving left", "moving right") else 1
                sign = 1 if obj.motion in ("moving right", "moving down") else -1
                travel = (centres[-1, axis] - centres[0, axis]) * sign
                assert 24 <= travel <= 32, scene.caption
                assert np.allclose(steps[:, axis], steps[0, axis]), "constant speed"
                assert np.allclose(steps[:, 1 - axis], 0)
                assert np.allclose(extents, extents[0])
            elif obj.motion == "bouncing":
                assert np.allclose(xs, xs[0]), "no sideways travel"
                assert (ys.max() - ys.min()) / 2 >= 10, "amplitude at least 10 px"
                turns = np.sum(np.diff(np.sign(np.diff(ys))) != 0)
                assert turns >= 1, "at least one reversal"
                assert np.allclose(extents, extents[0])
            elif obj.motion in ("growing", "shrinking"):
                ratio = extents[-1] / extents[0]
                low, high = (1.8, 2.2) if obj.motion == "growing" else (0.4, 0.55)
                assert low <= ratio <= high, scene.caption
                assert np.allclose(steps, 0), "centre fixed"
            else:
                assert obj.motion == "still"
                assert np.allclose(steps, 0) and np.allclose(extents, extents[0])


def test_two_objects_differ_and_do_not_overlap_in_frame_0(scenes):
    pairs = [s for s in scenes if len(s.objects) == 2]
    assert len(pairs) > 200
    for scene in pairs:
        a, b = scene.objects
        assert (a.colour, a.shape) != (b.colour, b.shape)
        masks = [shape_masks(o.shape, t.centres[:1], t.extents[:1])[0] for o, t in zip(scene.objects, scene.tracks)]
        assert not np.any(masks[0] & masks[1]), scene.caption


def test_held_out_pairs_are_excluded_or_required():
    rng = np.random.default_rng(7)
    training = [sample_scene(rng) for _ in range(1500)]
    assert not any((o.colour, o.shape) in HELD_OUT for s in training for o in s.objects)
    evaluation = [sample_scene(rng, held_out="only") for _ in range(300)]
    assert all(any((o.colour, o.shape) in HELD_OUT for o in s.objects) for s in evaluation)
    seen = {(o.colour, o.shape) for s in evaluation for o in s.objects}
    assert HELD_OUT <= seen


def test_render_draws_palette_colours_and_later_objects_on_top():
    red_square = ObjectSpec("red", "square", "big", "still")
    blue_circle = ObjectSpec("blue", "circle", None, "moving right")
    scene = Scene([red_square, blue_circle], "gray", "",
                  [Track((30.0, 30.0), extent_start=20, extent_end=20),
                   Track((10.0, 30.0), travel=(24.0, 0.0), extent_start=14, extent_end=14)])
    frames = render(scene)
    assert frames.dtype == np.uint8 and frames.shape == (NUM_FRAMES, SIZE, SIZE, 3)
    assert tuple(frames[0, 0, 0]) == BACKGROUNDS["gray"]
    assert tuple(frames[0, 30, 30]) == COLOURS["red"]
    assert tuple(frames[-1, 30, 34]) == COLOURS["blue"], "the second object is drawn over the first"
    colours = {tuple(c) for c in frames.reshape(-1, 3)}
    assert colours == {BACKGROUNDS["gray"], COLOURS["red"], COLOURS["blue"]}


def test_shapes_are_upright_with_the_stated_geometry():
    centre, extent = np.array([[32.3, 31.7]]), np.array([21.0])   # off the pixel grid: no ties
    triangle = shape_masks("triangle", centre, extent)[0]
    rows = np.flatnonzero(triangle.any(axis=1))
    widths = triangle[rows].sum(axis=1)
    assert np.all(np.diff(widths) >= 0) and widths[0] <= 2 and widths[-1] >= 20, "apex up, flat base"
    diamond = shape_masks("diamond", centre, extent)[0]
    assert diamond.any(axis=0).sum() == diamond.any(axis=1).sum(), "as tall as wide"
    diamond_widths = diamond.sum(axis=1)[diamond.any(axis=1)]
    assert diamond_widths.max() >= 20 and diamond_widths[0] <= 2 and diamond_widths[-1] <= 2, "tips top and bottom"
    cross = shape_masks("cross", centre, extent)[0]
    assert cross.sum(axis=1).max() == 21 and cross.sum(axis=0).max() == 21
    assert cross[rows[0]].sum() == 7, "arm thickness is a third of the extent"
    for shape in SHAPES:
        mask = shape_masks(shape, centre, extent)[0]
        assert mask.any(axis=0).sum() in (20, 21) and mask.any(axis=1).sum() in (20, 21), shape  # apex: 1 row


def test_shorter_clips_sample_the_same_motion(scenes):
    for scene in scenes[:50]:
        full = render(scene)
        assert np.array_equal(render(scene, num_frames=4), full[[0, 5, 10, 15]])


def test_sample_batch_shapes_and_captions():
    videos, captions = sample_batch(np.random.default_rng(3), 5, num_frames=8, max_objects=1)
    assert videos.shape == (5, 8, SIZE, SIZE, 3) and videos.dtype == np.uint8
    assert all(len(parse_caption(c)[0]) == 1 for c in captions)


def test_captions_round_trip_and_use_only_the_vocabulary(scenes):
    vocabulary = set(world.vocabulary())
    assert world.vocabulary() == sorted(vocabulary)
    for scene in scenes:
        assert parse_caption(scene.caption) == (scene.objects, scene.background)
        assert set(scene.caption.split()) <= vocabulary
    assert parse_caption("  A Big RED circle  still on a Black background") == (
        [ObjectSpec("red", "circle", "big", "still")], "black")


@pytest.mark.parametrize("caption, message", [
    ("a violet circle still on a black background", "unknown colour 'violet'"),
    ("a red hexagon still on a black background", "unknown shape 'hexagon'"),
    ("a red circle spinning on a black background", "unknown motion 'spinning'"),
    ("a red circle moving sideways on a black background", "unknown motion 'moving sideways'"),
    ("a red circle still on a brown background", "unknown background 'brown'"),
    ("a red circle still", "must end with 'on a <background> background'"),
    ("on a black background", "names no object"),
    ("the red circle still on a black background", "must start with 'a'"),
    ("a red circle on a black background", "must be 'a [small|big] <colour> <shape> <motion>'"),
    ("a red circle still and a red circle bouncing on a gray background", "two red circles"),
    ("a red circle still and a blue square still and a green cross still on a gray background",
     "at most 2"),
])
def test_parse_caption_rejects_bad_captions_clearly(caption, message):
    with pytest.raises(ValueError, match="allowed|must|names|at most") as error:
        parse_caption(caption)
    assert message in str(error.value)


def test_sample_scene_rejects_bad_options():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="held_out must be"):
        sample_scene(rng, held_out="sometimes")
    with pytest.raises(ValueError, match="max_objects must be 1 or 2"):
        sample_scene(rng, max_objects=3)
