"""The judge against videos drawn here with numpy, not by world.py's renderer (whose masks are
the judge's templates): the model's typical failures must fail, and hand-drawn right videos
must pass (so the failures fail for the reason named, not because the drawing is foreign)."""

import numpy as np
import pytest

from firstframe_train.judge import judge
from firstframe_train.world import BACKGROUNDS, COLOURS

FRAMES = 16


def canvas(background="black", frames=FRAMES):
    return np.tile(np.array(BACKGROUNDS[background], dtype=np.uint8), (frames, 64, 64, 1))


def rect(video, frames, x0, y0, w, h, colour):
    for f in np.atleast_1d(frames):
        video[f, int(round(y0)):int(round(y0)) + h, int(round(x0)):int(round(x0)) + w] = COLOURS[colour]


def disc(video, frames, cx, cy, r, colour):
    yy, xx = np.mgrid[0:64, 0:64] + 0.5
    for f in np.atleast_1d(frames):
        video[f][(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = COLOURS[colour]


def plus(video, frames, cx, cy, extent, colour):
    arm = extent // 3
    x0, y0 = int(cx - extent / 2), int(cy - extent / 2)
    rect(video, frames, x0, y0 + (extent - arm) // 2, extent, arm, colour)
    rect(video, frames, x0 + (extent - arm) // 2, y0, arm, extent, colour)


def moving(start, end, frames=FRAMES):
    return np.linspace(start, end, frames)


# ----------------------------------------------------------------- hand-drawn right videos pass

def test_hand_drawn_right_videos_pass():
    video = canvas()
    rect(video, range(FRAMES), 20, 20, 14, 14, "red")
    assert judge(video, "a red square still on a black background").ok

    video = canvas("white")
    for f, x in enumerate(moving(14, 42)):
        disc(video, f, x, 30, 7, "blue")
    verdict = judge(video, "a blue circle moving right on a white background")
    assert verdict.ok, verdict.failures()

    video = canvas("gray")
    plus(video, range(FRAMES), 40, 20, 15, "green")
    rect(video, range(FRAMES), 8, 40, 10, 10, "yellow")
    verdict = judge(video, "a green cross still and a small yellow square still on a gray background")
    assert verdict.ok, verdict.failures()


def test_a_brief_flicker_of_an_extra_object_is_tolerated():
    video = canvas()
    rect(video, range(FRAMES), 20, 20, 14, 14, "red")
    disc(video, [7, 8], 48, 48, 6, "blue")     # 2 of 16 frames
    assert judge(video, "a red square still on a black background").ok


# ----------------------------------------------------------------- extra objects and copies

def test_an_object_split_into_two_copies_fails():
    video = canvas()
    for f, x in enumerate(moving(8, 36)):
        rect(video, f, x, 12, 14, 14, "red")
        if f >= 3:                                  # a copy splits off and goes its own way
            rect(video, f, 44 - (x - 8), 40, 14, 14, "red")
    verdict = judge(video, "a red square moving right on a black background")
    assert not verdict.ok and not verdict.count
    assert not verdict.objects[0].consistency, verdict.objects[0].notes


def test_a_bouncing_object_split_into_one_going_up_and_one_going_down_fails():
    video = canvas()
    ys = 32 + 14 * np.sin(np.linspace(0, 2 * np.pi, FRAMES))
    for f, y in enumerate(ys):
        disc(video, f, 20, y, 7, "purple")
        if f >= 2:
            disc(video, f, 44, 64 - y, 7, "purple")
    verdict = judge(video, "a purple circle bouncing on a black background")
    assert not verdict.ok and not verdict.count and not verdict.objects[0].consistency


def test_an_extra_object_of_a_colour_the_caption_does_not_name_fails():
    video = canvas()
    rect(video, range(FRAMES), 10, 10, 14, 14, "red")
    disc(video, range(3, FRAMES), 45, 45, 7, "blue")          # 13 of 16 frames
    verdict = judge(video, "a red square still on a black background")
    assert not verdict.ok and not verdict.count
    assert verdict.objects[0].shape and verdict.objects[0].consistency   # the named object is right
    assert verdict.failures() == ["count: saw extra objects in 13 of 16 frames"]


def test_an_extra_object_of_a_named_colour_fails():
    video = canvas("white")
    rect(video, range(FRAMES), 8, 8, 14, 14, "red")
    disc(video, range(FRAMES), 45, 15, 7, "blue")
    rect(video, range(FRAMES), 38, 40, 14, 14, "blue")         # a blue square nobody asked for
    verdict = judge(video, "a red square still and a blue circle still on a white background")
    assert not verdict.ok and not verdict.count


def test_an_extra_object_in_a_single_first_frame_fails():
    video = canvas()
    rect(video, 0, 10, 10, 14, 14, "red")
    rect(video, 0, 40, 40, 10, 10, "green")
    verdict = judge(np.repeat(video[:1], FRAMES, 0), "a red square still on a black background")
    assert not verdict.ok and not verdict.count


# ----------------------------------------------------------------- specks and non-shapes

def test_specks_are_no_object():
    video = canvas()
    rng = np.random.default_rng(0)
    spots = rng.integers(22, 38, size=(8, 2))
    for x, y in spots:                      # a cloud of 3 x 3 specks where a circle should be
        rect(video, range(FRAMES), x, y, 3, 3, "red")
    assert not judge(video, "a red circle still on a black background").ok
    assert not judge(video, "a small red square still on a black background").ok


def test_a_speck_is_no_small_square():
    video = canvas()
    rect(video, range(FRAMES), 30, 30, 4, 4, "red")
    verdict = judge(video, "a small red square still on a black background")
    assert not verdict.ok and not verdict.objects[0].size and not verdict.objects[0].shape


@pytest.mark.parametrize("shape", ["cross", "square", "diamond"])
def test_a_bar_is_no_shape(shape):
    video = canvas()
    rect(video, range(FRAMES), 25, 29, 14, 6, "red")           # 14 x 6
    verdict = judge(video, f"a red {shape} still on a black background")
    assert not verdict.objects[0].shape and not verdict.ok, verdict.objects[0].seen_shape


def test_a_blob_is_no_square():
    video = canvas()
    for f in range(FRAMES):                 # a lumpy potato: two overlapping discs and a knob
        disc(video, f, 28, 32, 6, "green")
        disc(video, f, 35, 29, 5, "green")
        rect(video, f, 31, 35, 4, 5, "green")
    verdict = judge(video, "a green square still on a black background")
    assert not verdict.objects[0].shape and not verdict.ok, verdict.objects[0].seen_shape


# ----------------------------------------------------------------- vanishing objects

def test_a_still_object_gone_after_frame_10_fails():
    video = canvas()
    rect(video, range(11), 20, 20, 14, 14, "red")
    rect(video, range(11, FRAMES), 26, 26, 2, 2, "red")         # a few specks left behind
    verdict = judge(video, "a red square still on a black background")
    assert not verdict.ok and not verdict.objects[0].consistency


def test_a_moving_object_gone_after_frame_10_fails():
    video = canvas("gray")
    for f, x in enumerate(moving(10, 38)[:11]):
        rect(video, f, x, 24, 14, 14, "yellow")
    verdict = judge(video, "a yellow square moving right on a gray background")
    assert not verdict.ok and not verdict.objects[0].consistency


def test_a_shrinking_object_may_end_as_specks():
    video = canvas()
    extents = np.linspace(20, 9, FRAMES).round().astype(int)
    for f, e in enumerate(extents[:13]):
        rect(video, f, 32 - e // 2, 32 - e // 2, e, e, "cyan")
    rect(video, range(13, FRAMES), 31, 31, 2, 2, "cyan")       # below blob size at the end
    verdict = judge(video, "a big cyan square shrinking on a black background")
    assert verdict.ok, (verdict.failures(), verdict.objects[0].notes)


def test_a_thin_blur_fringe_is_no_extra_object_but_a_patch_glued_on_is():
    video = canvas("white")
    rect(video, range(FRAMES), 20, 20, 14, 14, "red")
    rect(video, range(FRAMES), 34, 20, 2, 14, "pink")          # red blurred into white looks pink
    assert judge(video, "a red square still on a white background").ok
    rect(video, range(FRAMES), 34, 22, 7, 10, "cyan")          # a cyan patch stuck to its side
    verdict = judge(video, "a red square still on a white background")
    assert not verdict.ok and not verdict.count
