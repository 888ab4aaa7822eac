"""The shapes world of training/WORLD.md: scenes, captions and a fast numpy renderer.

Everything is generated on the fly from a numpy Generator; no data set is stored.
Coordinates are in pixels: x to the right, y down, pixel (i, j) covers [i, i+1) x [j, j+1),
so the frame spans 0..SIZE on both axes. An object's *centre* is the centre of its square
bounding box and its *extent* is that box's side.

Motion is a function of time t in [0, 1] over the 2-second clip: a 16-frame video samples
t = 0, 1/15, ..., 1. `render(scene, num_frames=n)` samples the same clip at n evenly spaced
times, so a shorter clip still shows the whole motion that its caption names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

SIZE = 64
NUM_FRAMES = 16
FPS = 8

BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "gray": (128, 128, 128),
}
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (230, 40, 40),
    "green": (40, 190, 60),
    "blue": (40, 80, 230),
    "yellow": (240, 220, 40),
    "purple": (150, 60, 200),
    "orange": (245, 140, 30),
    "pink": (240, 120, 190),
    "cyan": (40, 200, 220),
}
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "cross")
SIZE_EXTENT: dict[Optional[str], int] = {"small": 10, None: 14, "big": 20}
SIZE_WORDS: tuple[str, ...] = ("small", "big")
MOTIONS: tuple[str, ...] = (
    "moving left", "moving right", "moving up", "moving down",
    "bouncing", "growing", "shrinking", "still",
)
HELD_OUT: frozenset[tuple[str, str]] = frozenset({
    ("purple", "triangle"), ("orange", "cross"), ("green", "diamond"),
    ("cyan", "square"), ("pink", "circle"),
})

# Ranges WORLD.md fixes; the renderer samples inside them.
TRAVEL_RANGE = (24.0, 32.0)          # px over the clip, constant speed
GROW_RANGE = (1.8, 2.2)              # final extent / start extent
SHRINK_RANGE = (0.4, 0.55)
# Bouncing: y = mid - A sin(2 pi k t + phase). With A >= 11 and k <= 2 cycles, the 16 sampled
# frames always span at least 2 * 10 px peak to peak, and a full cycle always reverses.
BOUNCE_AMPLITUDE_RANGE = (11.0, 14.0)
BOUNCE_CYCLES_RANGE = (1.0, 2.0)
MIN_GAP_FRAME0 = 2.0                 # px between two objects' boxes in frame 0 (always, if same colour)

_DIRECTIONS = {
    "moving left": (-1.0, 0.0), "moving right": (1.0, 0.0),
    "moving up": (0.0, -1.0), "moving down": (0.0, 1.0),
}


@dataclass(frozen=True)
class ObjectSpec:
    colour: str
    shape: str
    size: Optional[str]   # "small", "big" or None (the default 14 px)
    motion: str


@dataclass(frozen=True)
class Track:
    """Where one object is at any time t in [0, 1]: centre (x, y) and extent."""
    start: tuple[float, float]          # centre at t = 0 (for bouncing: the mid line is derived)
    travel: tuple[float, float] = (0.0, 0.0)   # linear displacement over the clip
    bounce_amplitude: float = 0.0
    bounce_cycles: float = 0.0
    bounce_phase: float = 0.0
    extent_start: float = 14.0
    extent_end: float = 14.0

    def at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centres [T, 2] (x, y) and extents [T] at times t (floats in [0, 1])."""
        t = np.asarray(t, dtype=np.float64)
        x = self.start[0] + self.travel[0] * t
        y = self.start[1] + self.travel[1] * t
        if self.bounce_amplitude:
            wave = np.sin(2 * np.pi * self.bounce_cycles * t + self.bounce_phase)
            y = y - self.bounce_amplitude * (wave - np.sin(self.bounce_phase))
        extents = self.extent_start + (self.extent_end - self.extent_start) * t
        return np.stack([x, y], axis=-1), extents

    @property
    def centres(self) -> np.ndarray:
        """Centres [NUM_FRAMES, 2] of the standard 16-frame clip."""
        return self.at(frame_times(NUM_FRAMES))[0]

    @property
    def extents(self) -> np.ndarray:
        """Extents [NUM_FRAMES] of the standard 16-frame clip."""
        return self.at(frame_times(NUM_FRAMES))[1]


@dataclass
class Scene:
    objects: list[ObjectSpec]
    background: str
    caption: str
    tracks: list[Track]


def frame_times(num_frames: int) -> np.ndarray:
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}")
    return np.linspace(0.0, 1.0, num_frames) if num_frames > 1 else np.zeros(1)


# --------------------------------------------------------------------------- captions

def _object_phrase(obj: ObjectSpec) -> str:
    words = ["a"] + ([obj.size] if obj.size else []) + [obj.colour, obj.shape, obj.motion]
    return " ".join(words)


def caption(objects: list[ObjectSpec], background: str) -> str:
    """The WORLD.md caption for these objects on this background."""
    return " and ".join(_object_phrase(o) for o in objects) + f" on a {background} background"


def vocabulary() -> list[str]:
    """Every word any caption can use, sorted."""
    words = {"a", "and", "on", "background", *SIZE_WORDS, *COLOURS, *SHAPES, *BACKGROUNDS}
    for motion in MOTIONS:
        words.update(motion.split())
    return sorted(words)


def _allowed(kind: str, options) -> str:
    return f"allowed {kind}: {', '.join(options)}"


def _parse_object(words: list[str], text: str) -> ObjectSpec:
    phrase = " ".join(words)
    if not words or words[0] != "a":
        raise ValueError(f"object phrase {phrase!r} must start with 'a' (in caption {text!r})")
    rest = words[1:]
    size = None
    if rest and rest[0] in SIZE_WORDS:
        size, rest = rest[0], rest[1:]
    if len(rest) < 3:
        raise ValueError(
            f"object phrase {phrase!r} must be 'a [small|big] <colour> <shape> <motion>' "
            f"(in caption {text!r})")
    colour, shape, motion = rest[0], rest[1], " ".join(rest[2:])
    if colour not in COLOURS:
        raise ValueError(f"unknown colour {colour!r} in {phrase!r}; {_allowed('colours', COLOURS)}")
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r} in {phrase!r}; {_allowed('shapes', SHAPES)}")
    if motion not in MOTIONS:
        raise ValueError(f"unknown motion {motion!r} in {phrase!r}; {_allowed('motions', MOTIONS)}")
    return ObjectSpec(colour, shape, size, motion)


def parse_caption(text: str) -> tuple[list[ObjectSpec], str]:
    """Objects and background of a WORLD.md caption; ValueError says what is wrong.

    Case and runs of spaces are forgiven; every word must be one the world knows.
    """
    if not isinstance(text, str):
        raise ValueError(f"caption must be a string, got {type(text).__name__}")
    words = text.lower().split()
    if len(words) < 4 or words[-4:-2] != ["on", "a"] or words[-1] != "background":
        raise ValueError(
            f"caption {text!r} must end with 'on a <background> background'; "
            f"{_allowed('backgrounds', BACKGROUNDS)}")
    background = words[-2]
    if background not in BACKGROUNDS:
        raise ValueError(f"unknown background {background!r}; {_allowed('backgrounds', BACKGROUNDS)}")
    body = words[:-4]
    if not body:
        raise ValueError(f"caption {text!r} names no object before 'on a ... background'")
    phrases: list[list[str]] = [[]]
    for word in body:
        if word == "and":
            phrases.append([])
        else:
            phrases[-1].append(word)
    if len(phrases) > 2:
        raise ValueError(f"caption {text!r} names {len(phrases)} objects; at most 2 are allowed")
    objects = [_parse_object(p, text) for p in phrases]
    if len(objects) == 2 and (objects[0].colour, objects[0].shape) == (objects[1].colour, objects[1].shape):
        raise ValueError(
            f"caption {text!r} names two {objects[0].colour} {objects[0].shape}s; "
            "two objects must differ in colour or shape")
    return objects, background


# --------------------------------------------------------------------------- sampling

def _sample_track(rng: np.random.Generator, obj: ObjectSpec) -> Track:
    """A random track for obj that keeps the whole object inside the frame for t in [0, 1]."""
    e0 = float(SIZE_EXTENT[obj.size])
    e1 = e0
    if obj.motion == "growing":
        e1 = e0 * rng.uniform(*GROW_RANGE)
    elif obj.motion == "shrinking":
        e1 = e0 * rng.uniform(*SHRINK_RANGE)
    half = max(e0, e1) / 2

    def uniform_start(low_offset: float, high_offset: float) -> float:
        # centre c with c + low_offset - half >= 0 and c + high_offset + half <= SIZE
        return rng.uniform(half - low_offset, SIZE - half - high_offset)

    if obj.motion in _DIRECTIONS:
        dx, dy = _DIRECTIONS[obj.motion]
        distance = rng.uniform(*TRAVEL_RANGE)
        travel = (dx * distance, dy * distance)
        x0 = uniform_start(min(0.0, travel[0]), max(0.0, travel[0]))
        y0 = uniform_start(min(0.0, travel[1]), max(0.0, travel[1]))
        return Track((x0, y0), travel=travel, extent_start=e0, extent_end=e1)
    if obj.motion == "bouncing":
        amplitude = rng.uniform(*BOUNCE_AMPLITUDE_RANGE)
        cycles = rng.uniform(*BOUNCE_CYCLES_RANGE)
        phase = rng.uniform(0, 2 * np.pi)
        mid = rng.uniform(half + amplitude, SIZE - half - amplitude)
        x0 = uniform_start(0.0, 0.0)
        y0 = mid - amplitude * np.sin(phase)
        return Track((x0, y0), bounce_amplitude=amplitude, bounce_cycles=cycles,
                     bounce_phase=phase, extent_start=e0, extent_end=e1)
    # still, growing, shrinking: the centre stays put
    return Track((uniform_start(0.0, 0.0), uniform_start(0.0, 0.0)), extent_start=e0, extent_end=e1)


def _boxes_apart(a: Track, b: Track, gap: float, times: np.ndarray) -> bool:
    """True when the bounding boxes of a and b are at least gap px apart at all these times."""
    (centres_a, extents_a), (centres_b, extents_b) = a.at(times), b.at(times)
    distance = np.abs(centres_a - centres_b)
    needed = ((extents_a + extents_b) / 2 + gap)[:, None]
    return bool(np.all(np.any(distance >= needed, axis=1)))


def _sample_object(rng: np.random.Generator, held_out: str) -> ObjectSpec:
    colour = str(rng.choice(list(COLOURS)))
    shape = str(rng.choice(SHAPES))
    if held_out == "exclude":
        while (colour, shape) in HELD_OUT:
            colour, shape = str(rng.choice(list(COLOURS))), str(rng.choice(SHAPES))
    size = [None, "small", "big"][int(rng.integers(3))]
    return ObjectSpec(colour, shape, size, str(rng.choice(MOTIONS)))


def sample_scene(rng: np.random.Generator, *, held_out: str = "exclude", max_objects: int = 2,
                 two_object_prob: float = 0.35) -> Scene:
    """A random scene. held_out: "exclude" (training: no held-out colour-shape pair),
    "only" (evaluation: at least one object is a held-out pair) or "allow" (anything)."""
    if held_out not in ("exclude", "only", "allow"):
        raise ValueError(f"held_out must be 'exclude', 'only' or 'allow', got {held_out!r}")
    if max_objects not in (1, 2):
        raise ValueError(f"max_objects must be 1 or 2, got {max_objects!r}")
    if not 0.0 <= two_object_prob <= 1.0:
        raise ValueError(f"two_object_prob must be in [0, 1], got {two_object_prob!r}")
    count = 2 if max_objects == 2 and rng.random() < two_object_prob else 1
    while True:
        objects = [_sample_object(rng, held_out) for _ in range(count)]
        if count == 2 and (objects[0].colour, objects[0].shape) == (objects[1].colour, objects[1].shape):
            continue
        if held_out == "only" and not any((o.colour, o.shape) in HELD_OUT for o in objects):
            continue
        tracks = _place(rng, objects)
        if tracks is not None:
            break
    background = str(rng.choice(list(BACKGROUNDS)))
    return Scene(objects, background, caption(objects, background), tracks)


def _place(rng: np.random.Generator, objects: list[ObjectSpec]) -> Optional[list[Track]]:
    first = _sample_track(rng, objects[0])
    if len(objects) == 1:
        return [first]
    # Same-colour objects that touched would merge into one blob that no one could read as
    # two shapes, so those stay apart all the time; others only in frame 0 (WORLD.md).
    same_colour = objects[0].colour == objects[1].colour
    times = np.linspace(0.0, 1.0, 61) if same_colour else np.zeros(1)
    for _ in range(50):
        second = _sample_track(rng, objects[1])
        if _boxes_apart(first, second, MIN_GAP_FRAME0, times):
            return [first, second]
    return None


# --------------------------------------------------------------------------- rendering

def shape_masks(shape: str, centres: np.ndarray, extents: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Boolean masks [T, size, size] of an upright shape: a pixel is in when its centre is."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; {_allowed('shapes', SHAPES)}")
    grid = np.arange(size, dtype=np.float64) + 0.5
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    half = np.asarray(extents, dtype=np.float64).reshape(-1, 1, 1) / 2
    dx = grid[None, None, :] - centres[:, 0, None, None]    # [T, 1, W]
    dy = grid[None, :, None] - centres[:, 1, None, None]    # [T, H, 1]
    adx, ady = np.abs(dx), np.abs(dy)
    if shape == "circle":
        return dx * dx + dy * dy <= half * half
    if shape == "square":
        return (adx <= half) & (ady <= half)
    if shape == "diamond":
        return adx + ady <= half
    if shape == "cross":
        arm = half / 3   # arm thickness is a third of the extent
        inside = (adx <= half) & (ady <= half)
        return inside & ((adx <= arm) | (ady <= arm))
    # triangle: apex at the top centre, flat base at the bottom; width grows linearly downwards
    return (ady <= half) & (adx <= (dy + half) / 2)


def render(scene: Scene, num_frames: int = NUM_FRAMES) -> np.ndarray:
    """uint8 frames [num_frames, 64, 64, 3]; later objects are drawn over earlier ones."""
    times = frame_times(num_frames)
    frames = np.empty((num_frames, SIZE, SIZE, 3), dtype=np.uint8)
    frames[:] = BACKGROUNDS[scene.background]
    for obj, track in zip(scene.objects, scene.tracks):
        centres, extents = track.at(times)
        mask = shape_masks(obj.shape, centres, extents)
        frames[mask] = COLOURS[obj.colour]
    return frames


def sample_batch(rng: np.random.Generator, batch_size: int, num_frames: int = NUM_FRAMES,
                 **scene_kw) -> tuple[np.ndarray, list[str]]:
    """batch_size random videos uint8 [B, num_frames, 64, 64, 3] and their captions."""
    videos = np.empty((batch_size, num_frames, SIZE, SIZE, 3), dtype=np.uint8)
    captions = []
    for i in range(batch_size):
        scene = sample_scene(rng, **scene_kw)
        videos[i] = render(scene, num_frames)
        captions.append(scene.caption)
    return videos, captions
