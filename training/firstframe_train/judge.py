"""The judge of training/WORLD.md: does a video show what its caption says?

It reads frames the way people see them (decoded from the product's MP4, downsampled to
64x64) and, for each object named in the caption, decides colour, shape, size, motion and
temporal consistency, plus the background. Only robust features are used, so the same judge
can score model outputs (imperfect colours, blobby shapes):

1. every pixel takes its nearest palette colour; the background is the commonest one;
2. same-colour pixels form 4-connected blobs; a blob counts only if it has a core pixel
   (all four neighbours the same colour), which drops the thin fringes that compression
   and blur leave; kept blobs then take back the edge pixels that are at least half their
   colour over the background, so blur does not shave shapes and sizes;
3. blobs of each named colour are tracked over time (predicted position, similar area);
   frames where an object touches another one are left out of the shape and size votes,
   and an object may go missing only behind another object the caption names (or, for an
   object seen shrinking, when it has shrunk to specks);
4. shape: the upright template (drawn by world.shape_masks) with the best overlap (IoU)
   on the object's box, voted over frames, and no shape when even the best overlap is under
   SHAPE_MIN_IOU (a bar, a lump, specks); size: box extent at frame 0 from a line fitted
   over time, within SIZE_TOLERANCE of the size word's; motion: rules on centre and extent
   tracks (partly hidden frames use the box sides that are not hidden), with thresholds at
   the edges of WORLD.md's ranges; consistency: present in every frame, the same shape vote
   in all frames but SHAPE_VOTE_SLACK, and not split into copies;
5. count (per video): every blob of EXTRA_MIN_AREA px or more, of any object colour, that no
   named object holds and that touches none is an extra object; extras in EXTRA_FRAME_SHARE
   of the frames or more fail the video (a copy of a named object also fails its consistency).

Measured numbers (accuracy on the world's own MP4s, rejection of wrong captions) are printed
by training/tests/test_judge.py; training/tests/test_judge_handmade.py draws the model's typical
failures by hand (not with the renderer whose masks are the templates) and checks they fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from .media import read_video
from .world import BACKGROUNDS, COLOURS, HELD_OUT, SHAPES, SIZE_EXTENT, ObjectSpec, parse_caption, shape_masks

# 1: the judge up to 2026-12-04; 2: extra objects (count), minimum shape overlap, size tolerance,
# motion thresholds at WORLD.md's ranges, specks only for shrinking objects (experiments/18).
VERSION = 2

ATTRIBUTES = ("colour", "shape", "size", "motion", "consistency", "background", "count")
OBJECT_ATTRIBUTES = ATTRIBUTES[:5]

_PALETTE_WORDS = list(BACKGROUNDS) + list(COLOURS)
_PALETTE = np.array([*BACKGROUNDS.values(), *COLOURS.values()], dtype=np.float32)
_FIRST_OBJECT_CLASS = len(BACKGROUNDS)

# Thresholds (pixels at 64 x 64 unless said otherwise); WORLD.md values are in comments.
MIN_BLOB_AREA = 4
TOUCH_DISTANCE = 2            # objects closer than this count as touching in that frame
TRACK_GATE = 25.0             # the furthest a tracked object may jump between frames
MAX_EXTRAPOLATION = 3         # frames a lost object's velocity is carried forward
AREA_CHANGE_COST = 8.0        # px of distance that doubling the area costs, times ln 2
SHAPE_VOTE_SLACK = 1          # frames whose shape vote may differ (judge noise, not a change)
MIN_SHAPE_EXTENT = 9          # smaller objects (late shrinking frames) are not shape-judged
SHAPE_MIN_IOU = 0.7           # best template IoU; the world's own MP4s score 0.89 or more
# Motion and size thresholds sit at the edges of the world's ranges (less a judge margin for
# blur and box rounding), not halfway between classes: a value outside every range is no motion.
GROW_RANGE = (1.6, 2.5)       # WORLD.md: 1.8-2.2 (final extent / start extent)
SHRINK_RANGE = (0.3, 0.65)    # WORLD.md: 0.4-0.55
STILL_RANGE = (0.85, 1.18)    # WORLD.md: nothing moves, so the extent stays
FIXED_CENTRE_RANGE = 4.0      # growing / shrinking / still: centre stays within this
TRAVEL_RANGE = (20.0, 37.0)   # moving: WORLD.md 24-32 px along one axis
SIDEWAYS_MAX = 5.0            # moving / bouncing: range across the motion axis
LINEAR_RESIDUAL_MAX = 2.5     # moving at constant speed: RMS off a straight line
BOUNCE_RANGE_MIN = 16.0       # bouncing: WORLD.md amplitude at least 10 px, so 20+ px peak to peak
REVERSAL_MIN = 8.0            # bouncing: depth of a reversal (the world's: 12 px or more)
SIZE_TOLERANCE = 1.3          # measured extent within this ratio of the size word's (10 / 14 / 20 px)
EXTRA_MIN_AREA = 16           # px; a blob this large that is no named object is an extra object
                              # (the smallest object, a 10 px cross, covers 36)
FRINGE_WIDTH = 2              # px; a blur fringe of a blend colour is no thicker (wider is paint)
EXTRA_FRAME_SHARE = 0.25      # extra objects (or copies of one) in this share of frames fail the video
MIN_MOTION_FRAMES = 4
MIN_MOTION_SPAN = 0.5         # of the clip, between the first and last frame measured
MIN_HIDDEN_MOTION_SPAN = 0.3  # the same for an object mostly behind another
FRINGE_GROWTH = 2             # px a blob may grow into blurred edges
WHOLE_AREA_RATIO = 0.9        # a touching blob this large is not occluded


@dataclass
class ObjectVerdict:
    spec: ObjectSpec
    colour: bool
    shape: bool
    size: bool
    motion: bool
    consistency: bool
    seen_shape: Optional[str] = None
    seen_extent: Optional[float] = None
    seen_motion: Optional[str] = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    caption: str
    background: bool
    seen_background: str
    objects: list[ObjectVerdict]
    held_out: bool              # the caption names a held-out colour-shape pair
    extra_frames: list[int] = field(default_factory=list)   # frames with an object the caption does not name
    frames: int = 16

    @property
    def count(self) -> bool:
        """No extra objects (of any colour, copies of a named one included) in
        EXTRA_FRAME_SHARE of the frames or more."""
        return len(self.extra_frames) < _extra_frame_limit(self.frames)

    @property
    def ok(self) -> bool:
        return self.background and self.count and all(
            getattr(o, attr) for o in self.objects for attr in OBJECT_ATTRIBUTES)

    def attributes(self) -> dict[str, bool]:
        """Each attribute, true when it holds for every object in the caption."""
        result = {attr: all(getattr(o, attr) for o in self.objects) for attr in OBJECT_ATTRIBUTES}
        result["background"] = self.background
        result["count"] = self.count
        return result

    def failures(self) -> list[str]:
        """Human-readable list of what does not match, e.g. 'object 1 shape: saw square'."""
        out = [] if self.background else [f"background: saw {self.seen_background}"]
        if not self.count:
            out.append(f"count: saw extra objects in {len(self.extra_frames)} of {self.frames} frames")
        for i, o in enumerate(self.objects, 1):
            for attr in OBJECT_ATTRIBUTES:
                if not getattr(o, attr):
                    seen = {"shape": o.seen_shape, "size": o.seen_extent, "motion": o.seen_motion}.get(attr)
                    out.append(f"object {i} {attr}" + (f": saw {seen}" if seen is not None else ""))
        return out


def judge_file(path: str | Path, caption: str) -> Verdict:
    """Judge a video file (e.g. the product's MP4), read back at 64 x 64."""
    return judge(read_video(path), caption)


def judge(frames: np.ndarray, caption: str) -> Verdict:
    """Score uint8 frames [F, 64, 64, 3] against a WORLD.md caption (ValueError if invalid)."""
    objects, background = parse_caption(caption)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1:
        raise ValueError(f"frames must be [F, H, W, 3], got {list(frames.shape)}")
    scene = _Segmentation(frames)
    colours = list(dict.fromkeys(o.colour for o in objects))
    tracks = {c: _track(scene.blobs[c], sum(o.colour == c for o in objects), c) for c in colours}
    every_track = [t for per_colour in tracks.values() for t in per_colour]
    _mark_hidden(every_track, scene)
    extra_frames = _mark_extras(every_track, scene)
    verdicts: list[Optional[ObjectVerdict]] = [None] * len(objects)
    for colour in colours:
        indices = [i for i, o in enumerate(objects) if o.colour == colour]
        for i, verdict in _match(tracks[colour], [objects[i] for i in indices], scene).items():
            verdicts[indices[i]] = verdict
    return Verdict(caption, scene.background == background, scene.background, verdicts,
                   any((o.colour, o.shape) in HELD_OUT for o in objects), extra_frames, scene.num_frames)


def _extra_frame_limit(frames: int) -> int:
    return max(1, int(np.ceil(EXTRA_FRAME_SHARE * frames)))


def aggregate(verdicts: Iterable[Verdict]) -> dict[str, dict[str, float]]:
    """Accuracy per attribute (over objects; background over videos) and of whole captions,
    for all captions, those naming a held-out pair and the rest. Also the counts."""
    groups: dict[str, list[Verdict]] = {"all": [], "held_out": [], "seen": []}
    for v in verdicts:
        groups["all"].append(v)
        groups["held_out" if v.held_out else "seen"].append(v)
    result = {}
    for name, group in groups.items():
        objs = [o for v in group for o in v.objects]
        stats = {attr: float(np.mean([getattr(o, attr) for o in objs])) if objs else float("nan")
                 for attr in OBJECT_ATTRIBUTES}
        stats["background"] = float(np.mean([v.background for v in group])) if group else float("nan")
        stats["count"] = float(np.mean([v.count for v in group])) if group else float("nan")
        stats["caption"] = float(np.mean([v.ok for v in group])) if group else float("nan")
        stats["videos"], stats["objects"] = float(len(group)), float(len(objs))
        result[name] = stats
    return result


# --------------------------------------------------------------------------- segmentation

@dataclass
class _Blob:
    """One kept same-colour connected component in one frame."""
    frame: int
    id: int
    area: int
    cx: float
    cy: float
    x0: int
    x1: int
    y0: int
    y1: int
    touching: bool = False

    @property
    def extent(self) -> int:
        return max(self.x1 - self.x0, self.y1 - self.y0) + 1

    @property
    def box_centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1 + 1) / 2, (self.y0 + self.y1 + 1) / 2


class _Segmentation:
    """Palette labels, kept blobs and their contacts for a whole video."""

    def __init__(self, frames: np.ndarray):
        # nearest palette colour: argmin |p - c|^2 = argmin (|c|^2 - 2 p.c), one matrix product
        pixels = frames.reshape(-1, 3).astype(np.float32)
        scores = (_PALETTE ** 2).sum(axis=1) - 2 * pixels @ _PALETTE.T
        self.classes = scores.argmin(axis=1).astype(np.int16).reshape(frames.shape[:3])   # [F, H, W]
        self.num_frames = frames.shape[0]
        background_counts = np.bincount(self.classes.ravel(), minlength=len(_PALETTE))[:_FIRST_OBJECT_CLASS]
        self.background = _PALETTE_WORDS[int(background_counts.argmax())]
        self.ids = _components(self.classes, self.classes >= _FIRST_OBJECT_CLASS)
        self.kept = self._keep_blobs()
        self._grow_into_fringe(frames)
        self.blobs = self._describe_blobs()
        self._mark_touching()

    def _keep_blobs(self) -> np.ndarray:
        """Blob ids [F, H, W] (-1 elsewhere) of the blobs with a core pixel and enough area."""
        classes, ids = self.classes, self.ids
        padded = np.pad(classes, ((0, 0), (1, 1), (1, 1)), mode="edge")
        core = ((padded[:, :-2, 1:-1] == classes) & (padded[:, 2:, 1:-1] == classes)
                & (padded[:, 1:-1, :-2] == classes) & (padded[:, 1:-1, 2:] == classes) & (ids >= 0))
        flat = ids.ravel()
        valid = flat >= 0
        count = flat.size
        area = np.bincount(flat[valid], minlength=count)
        cores = np.bincount(ids[core], minlength=count)
        keep = (area >= MIN_BLOB_AREA) & (cores > 0)
        return np.where(keep[np.maximum(ids, 0)] & (ids >= 0), ids, -1)

    def _grow_into_fringe(self, frames: np.ndarray) -> None:
        """Give each blob the edge pixels that are at least half its colour over the background.

        Blur mixes an object's edge with the background into colours nearer other palette
        entries (red on white edges look pink); cutting there would shave shapes and sizes."""
        kept, background = self.kept, np.array(BACKGROUNDS[self.background], dtype=np.float32)
        own_colour = _PALETTE[self.classes.ravel()] - background     # per pixel, indexed by blob id
        for _ in range(FRINGE_GROWTH):
            padded = np.pad(kept, ((0, 0), (1, 1), (1, 1)), constant_values=-1)
            neighbour = np.maximum.reduce([padded[:, :-2, 1:-1], padded[:, 2:, 1:-1],
                                           padded[:, 1:-1, :-2], padded[:, 1:-1, 2:]])
            where = np.nonzero((kept < 0) & (neighbour >= 0))
            if where[0].size == 0:
                return
            owner = neighbour[where]
            direction = own_colour[owner]
            offset = frames[where].astype(np.float32) - background
            alpha = (offset * direction).sum(axis=1) / np.maximum((direction ** 2).sum(axis=1), 1.0)
            take = alpha >= 0.5
            kept[where[0][take], where[1][take], where[2][take]] = owner[take]

    def _describe_blobs(self) -> dict[str, list[list[_Blob]]]:
        """Each kept blob's area, centroid and box, per colour word, per frame."""
        frame_idx, ys, xs = np.nonzero(self.kept >= 0)
        members = self.kept[frame_idx, ys, xs]
        result: dict[str, list[list[_Blob]]] = {c: [[] for _ in range(self.num_frames)] for c in COLOURS}
        if members.size == 0:
            return result
        order = np.argsort(members, kind="stable")
        members, ys, xs, frame_idx = members[order], ys[order], xs[order], frame_idx[order]
        starts = np.flatnonzero(np.r_[True, members[1:] != members[:-1]])
        ends = np.r_[starts[1:], members.size]
        for s, e in zip(starts, ends):
            blob_id = int(members[s])
            f, y, x = int(frame_idx[s]), ys[s:e], xs[s:e]
            colour = _PALETTE_WORDS[int(self.classes.ravel()[blob_id])]   # the id is one of its pixels
            result[colour][f].append(_Blob(f, blob_id, e - s, float(x.mean() + 0.5), float(y.mean() + 0.5),
                                           int(x.min()), int(x.max()), int(y.min()), int(y.max())))
        return result

    def _mark_touching(self) -> None:
        """Flag blobs that come within TOUCH_DISTANCE px of another kept blob."""
        kept, size = self.kept, self.kept.shape[1]
        touching: set[int] = set()
        d = TOUCH_DISTANCE
        for dy in range(0, d + 1):
            for dx in range(-d, d + 1):
                if dy == 0 and dx <= 0:
                    continue
                a = kept[:, 0:size - dy, max(0, -dx):size - max(0, dx)]
                b = kept[:, dy:size, max(0, dx):size - max(0, -dx)]
                pairs = (a >= 0) & (b >= 0) & (a != b)
                touching.update(np.unique(a[pairs]).tolist())
                touching.update(np.unique(b[pairs]).tolist())
        for per_frame in self.blobs.values():
            for blobs in per_frame:
                for blob in blobs:
                    blob.touching = blob.id in touching

    def mask(self, blob: _Blob, x0: int, y0: int, side: int) -> np.ndarray:
        """The blob's mask in the square window [y0, y0+side) x [x0, x0+side) (zeros outside)."""
        window = np.zeros((side, side), dtype=bool)
        size = self.kept.shape[1]
        ys, xs = slice(max(y0, 0), min(y0 + side, size)), slice(max(x0, 0), min(x0 + side, size))
        window[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0] = self.kept[blob.frame, ys, xs] == blob.id
        return window

    def any_blob_in(self, frame: int, box: tuple[int, int, int, int], ids: list[int]) -> bool:
        """Does one of these blobs reach into this box?"""
        return bool(ids) and bool(np.any(np.isin(_crop(self.kept[frame], box), ids)))

    def colour_in(self, frame: int, colour: str, box: tuple[int, int, int, int]) -> bool:
        """Are there pixels of this colour in the box, too few to form a blob (a shrunk object)?"""
        return bool(np.count_nonzero(_crop(self.classes[frame], box) == _PALETTE_WORDS.index(colour)) >= 2)


def _crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, x1, y0, y1 = box
    return image[max(y0, 0):max(y1 + 1, 0), max(x0, 0):max(x1 + 1, 0)]


def _components(classes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """4-connected components of equal class within each frame: int32 ids (-1 where invalid).

    Label propagation with pointer jumping, vectorised over all frames at once."""
    shape = classes.shape
    index = np.arange(classes.size, dtype=np.int32).reshape(shape)
    labels = np.where(valid, index, -1).astype(np.int32)
    big = np.int32(classes.size)
    links = []
    for axis in (1, 2):
        same = (np.take(classes, range(1, shape[axis]), axis=axis) == np.take(classes, range(shape[axis] - 1), axis=axis))
        same &= np.take(valid, range(1, shape[axis]), axis=axis) & np.take(valid, range(shape[axis] - 1), axis=axis)
        links.append((axis, same))
    work = np.where(valid, labels, big)
    while True:
        new = work.copy()
        for axis, same in links:
            lo = [slice(None)] * 3
            hi = [slice(None)] * 3
            lo[axis], hi[axis] = slice(0, -1), slice(1, None)
            lo, hi = tuple(lo), tuple(hi)
            from_next = np.where(same, new[hi], big)
            from_previous = np.where(same, new[lo], big)
            np.minimum(new[lo], from_next, out=new[lo])
            np.minimum(new[hi], from_previous, out=new[hi])
        flat = new.ravel()
        jumped = np.where(flat < big, flat[np.minimum(flat, big - 1)], big).reshape(shape)
        if np.array_equal(jumped, work):
            break
        work = jumped
    return np.where(valid, work, -1).astype(np.int32)


# --------------------------------------------------------------------------- tracking

@dataclass
class _Track:
    """One object of a colour over time: its blob per frame (None where not found)."""
    colour: str
    blobs: list[Optional[_Blob]]
    merged: list[bool]          # shares its blob with another track of the same colour
    hidden: list[bool]          # not found, but behind another named object, or shrunk to specks
    others: list[list[_Blob]] = field(default_factory=list)   # other named objects, per frame
    copies: list[bool] = field(default_factory=list)   # a second blob of its colour near it, per frame

    def apart(self) -> list[_Blob]:
        """Blobs away from every other object: the whole shape, nothing in front of it."""
        return [b for b, m in zip(self.blobs, self.merged) if b is not None and not m and not b.touching]

    def clean(self) -> list[_Blob]:
        """Blobs that show the whole object: not merged with a same-colour object, and either
        apart from other objects or, where touching, as large as in the apart frames around
        (then it is the object in front)."""
        apart = self.apart()
        if not apart:
            return []
        # sqrt(area) is linear in time for every motion (extent grows or shrinks linearly)
        frames = np.array([b.frame for b in apart], dtype=np.float64)
        roots = np.sqrt([b.area for b in apart])
        slope, intercept = np.polyfit(frames, roots, 1) if np.ptp(frames) > 0 else (0.0, roots.mean())

        def whole(blob: _Blob) -> bool:
            return blob.area >= WHOLE_AREA_RATIO * max(intercept + slope * blob.frame, 0.0) ** 2

        return [b for b, m in zip(self.blobs, self.merged) if b is not None and not m and (not b.touching or whole(b))]

    @property
    def present_frames(self) -> int:
        return sum(b is not None for b in self.blobs)


def _track(per_frame: list[list[_Blob]], count: int, colour: str) -> list[_Track]:
    """Follow up to `count` objects of one colour from the frame where most are visible."""
    frames = len(per_frame)
    visible = [min(len(blobs), count) for blobs in per_frame]
    if max(visible) == 0:
        return []
    start = visible.index(max(visible))
    seeds = sorted(per_frame[start], key=lambda b: -b.area)[:count]
    tracks = [_Track(colour, [None] * frames, [False] * frames, [False] * frames) for _ in seeds]
    for track, seed in zip(tracks, seeds):
        track.blobs[start] = seed
    for order in (range(start + 1, frames), range(start - 1, -1, -1)):
        for f in order:
            _associate(tracks, per_frame[f], f, order.step > 0)
    return tracks


def _predict(track: _Track, frame: int, forward: bool) -> tuple[Optional[tuple[float, float]], Optional[_Blob]]:
    """Predicted centre at `frame` and the latest blob that showed the whole object.

    Constant velocity from the two latest blobs not merged with a same-colour object (a merged
    blob's centre lies between the two objects), over gaps of at most MAX_EXTRAPOLATION frames."""
    seen = range(frame - 1, -1, -1) if forward else range(frame + 1, len(track.blobs))
    known = [(f, track.blobs[f]) for f in seen if track.blobs[f] is not None]
    if not known:
        return None, None
    unmerged = [(f, b) for f, b in known if not track.merged[f]] or known
    whole = [b for f, b in unmerged if not b.touching]
    reference = whole[0] if whole else unmerged[0][1]
    (f1, b1) = unmerged[0]
    if len(unmerged) == 1 or abs(frame - f1) > MAX_EXTRAPOLATION:
        return (b1.cx, b1.cy), reference
    f2, b2 = unmerged[1]
    gap = (frame - f1) / (f1 - f2)
    return (b1.cx + (b1.cx - b2.cx) * gap, b1.cy + (b1.cy - b2.cy) * gap), reference


def _associate(tracks: list[_Track], blobs: list[_Blob], frame: int, forward: bool) -> None:
    predictions = [_predict(t, frame, forward) for t in tracks]

    def cost(i: int, blob: Optional[_Blob]) -> float:
        """Distance from the prediction plus a penalty for changing area; inf beyond the gate."""
        centre, reference = predictions[i]
        if blob is None or centre is None:
            return TRACK_GATE
        distance = float(np.hypot(blob.cx - centre[0], blob.cy - centre[1]))
        if distance > TRACK_GATE:
            return np.inf
        return distance + AREA_CHANGE_COST * abs(float(np.log(blob.area / reference.area)))

    options = blobs + [None] * len(tracks)
    best, best_cost = None, np.inf
    for chosen in permutations(range(len(options)), len(tracks)):
        total = sum(cost(i, options[j]) for i, j in enumerate(chosen))
        if total < best_cost:
            best, best_cost = chosen, total
    picked = [options[j] for j in best] if best is not None else [None] * len(tracks)
    for i, track in enumerate(tracks):
        reachable = [b for b in blobs if cost(i, b) < np.inf]
        nearest = min(reachable, key=lambda b: cost(i, b)) if reachable else None
        if picked[i] is None and nearest is not None and any(p is nearest for p in picked):
            # Two same-colour objects overlapping form one blob: both tracks share it.
            picked[i] = nearest
            for j, other in enumerate(picked):
                if other is nearest:
                    tracks[j].merged[frame] = True
    for i, track in enumerate(tracks):
        track.blobs[frame] = picked[i]


def _mark_hidden(tracks: list[_Track], scene: _Segmentation) -> None:
    """Excuse the frames where an object is missing because another object named in the
    caption covers where it was or was heading, or because it shrank to a few specks."""
    for track in tracks:
        track.others = [[t.blobs[f] for t in tracks if t is not track and t.blobs[f] is not None]
                        for f in range(len(track.blobs))]
    for track in tracks:
        shrinking = _shrinking(track)
        for frame, blob in enumerate(track.blobs):
            if blob is not None:
                continue
            centre, reference = _predict(track, frame, forward=True)
            if centre is None:
                centre, reference = _predict(track, frame, forward=False)
            if centre is None:
                continue
            half = reference.extent / 2 + TOUCH_DISTANCE
            boxes = [_box_around(centre, half), _box_around((reference.cx, reference.cy), half)]
            others = [b.id for b in track.others[frame]]
            track.hidden[frame] = (any(scene.any_blob_in(frame, box, others) for box in boxes)
                                   or (shrinking and scene.colour_in(frame, track.colour, boxes[0])))


def _shrinking(track: _Track) -> bool:
    """Has the object shrunk (its extent over the frames it is seen apart falls to at most
    SHRINK_RANGE's top)? Only a shrinking object may turn into specks too small to be blobs."""
    apart = track.apart()
    if len(apart) < 2:
        return False
    t = np.array([b.frame for b in apart], dtype=np.float64)
    start, end, _ = _fit_line(t / max(len(track.blobs) - 1, 1), np.array([b.extent for b in apart], dtype=np.float64))
    # a shrinking object may already be specks by the last frames: extrapolate to the clip's end
    return end <= SHRINK_RANGE[1] * max(start, 1e-6)


def _mark_extras(tracks: list[_Track], scene: _Segmentation) -> list[int]:
    """Frames with an extra object: a blob of EXTRA_MIN_AREA px or more, of any object colour,
    that no named object's track holds. One that touches a named object is excused only when it
    can be a piece of one (a named colour, cut by an object in front) or a blur fringe (a colour
    on the blend of two named colours or of one and the background); a blob of another colour
    glued to an object is an extra. A same-colour extra also marks the nearest track of its
    colour as split into copies in that frame."""
    frames = scene.num_frames
    for track in tracks:
        track.copies = [False] * frames
    named = {t.colour for t in tracks}
    fringe_colours = _blend_colours([*named, scene.background])
    extra_frames = []
    for frame in range(frames):
        held = [t.blobs[frame] for t in tracks if t.blobs[frame] is not None]
        held_ids = {b.id for b in held}
        near = _dilate(np.isin(scene.kept[frame], list(held_ids)), TOUCH_DISTANCE) if held_ids else None
        extra = False
        for colour, per_frame in scene.blobs.items():
            for blob in per_frame[frame]:
                if blob.id in held_ids or blob.area < EXTRA_MIN_AREA:
                    continue
                mask = scene.kept[frame] == blob.id
                if near is not None and np.any(near[mask]) and (
                        colour in named or (colour in fringe_colours and _thin(mask, FRINGE_WIDTH))):
                    continue
                extra = True
                same = [t for t in tracks if t.colour == colour and t.blobs[frame] is not None]
                if same:
                    nearest = min(same, key=lambda t: np.hypot(t.blobs[frame].cx - blob.cx, t.blobs[frame].cy - blob.cy))
                    nearest.copies[frame] = True
        if extra:
            extra_frames.append(frame)
    return extra_frames


def _blend_colours(words: list[str]) -> set[str]:
    """Object colour words nearest to a blend of two of these palette colours (blur fringes)."""
    rgb = [np.array(COLOURS.get(w, BACKGROUNDS.get(w)), dtype=np.float32) for w in words]
    out = set()
    for i in range(len(rgb)):
        for j in range(i + 1, len(rgb)):
            for alpha in np.linspace(0.1, 0.9, 9):
                mix = rgb[i] * (1 - alpha) + rgb[j] * alpha
                word = _PALETTE_WORDS[int(((_PALETTE - mix) ** 2).sum(axis=1).argmin())]
                if word in COLOURS:
                    out.add(word)
    return out


def _thin(mask: np.ndarray, width: int) -> bool:
    """Is no pixel of the mask more than `width` px (4-connected steps) inside it?"""
    for _ in range(width):
        padded = np.pad(mask, 1)
        mask = (mask & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    return not mask.any()


def _dilate(mask: np.ndarray, distance: int) -> np.ndarray:
    """Pixels within `distance` (max norm) of the mask."""
    out = mask.copy()
    padded = np.pad(mask, distance)
    size_y, size_x = mask.shape
    for dy in range(2 * distance + 1):
        for dx in range(2 * distance + 1):
            out |= padded[dy:dy + size_y, dx:dx + size_x]
    return out


def _box_around(centre: tuple[float, float], half: float) -> tuple[int, int, int, int]:
    return int(centre[0] - half), int(centre[0] + half), int(centre[1] - half), int(centre[1] + half)


# --------------------------------------------------------------------------- measurements

def _shape_scores(blob: _Blob, scene: _Segmentation) -> dict[str, float]:
    """Best IoU of each upright shape template fitted around the blob's bounding box."""
    extent = blob.extent
    margin = 3
    side = extent + 2 * margin
    cx, cy = blob.box_centre
    x0, y0 = int(np.floor(cx)) - side // 2, int(np.floor(cy)) - side // 2
    observed = scene.mask(blob, x0, y0, side)
    offsets = np.array([-0.5, 0.0, 0.5])
    ox, oy, oe = np.meshgrid(offsets, offsets, np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), indexing="ij")
    centres = np.stack([cx - x0 + ox.ravel(), cy - y0 + oy.ravel()], axis=-1)
    extents = extent + oe.ravel()
    scores = {}
    for shape in SHAPES:
        templates = shape_masks(shape, centres, extents, size=side)
        inter = (templates & observed).sum(axis=(1, 2))
        union = (templates | observed).sum(axis=(1, 2))
        scores[shape] = float((inter / np.maximum(union, 1)).max())
    return scores


def _fit_line(t: np.ndarray, values: np.ndarray) -> tuple[float, float, float]:
    """Least-squares value at t=0, at t=1 and RMS residual."""
    if len(t) == 1 or np.ptp(t) == 0:
        return float(values.mean()), float(values.mean()), 0.0
    slope, intercept = np.polyfit(t, values, 1)
    residual = float(np.sqrt(np.mean((values - (intercept + slope * t)) ** 2)))
    return float(intercept), float(intercept + slope), residual


def _motion(track: _Track, clean: list[_Blob], frames: int) -> Optional[str]:
    """The motion word that the object's tracks fit, or None.

    Frames apart from other objects are exact; touching frames where the object is whole add
    coverage. When those are too few (an object mostly behind another), partly hidden frames
    count too, with the centre estimated from the box sides that are not hidden."""
    for blobs in (track.apart(), clean):
        # Sparse frames can miss a motion (a bounce seen only at its top looks still).
        if len(blobs) * 2 >= frames:
            motion = _classify_motion(track, blobs, _centroids(blobs), blobs, frames, MIN_MOTION_SPAN)
            if motion is not None:
                return motion
    seen = [b for b, m in zip(track.blobs, track.merged) if b is not None and not m]
    centres, usable = _unhidden_centres(track, seen, frames)
    # hidden parts make an object look smaller: extents come from whole blobs only
    return _classify_motion(track, [b for b, u in zip(seen, usable) if u], centres[usable], clean, frames,
                            MIN_HIDDEN_MOTION_SPAN)


def _centroids(blobs: list[_Blob]) -> np.ndarray:
    return np.array([(b.cx, b.cy) for b in blobs], dtype=np.float64).reshape(-1, 2)


def _unhidden_centres(track: _Track, blobs: list[_Blob], frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Centres of blobs, where those touching another object come from their box instead:
    an object in front cuts a notch (moving the centroid, not the box) or hides a side.
    Also which blobs are usable: not those cut on both sides along an axis.

    The extent over time comes from the frames apart from others; a side is taken as hidden
    when the box is shorter than that extent along an axis and the other object's box
    reaches over that side."""
    apart = track.apart()
    centres = _centroids(blobs)
    usable = np.ones(len(blobs), dtype=bool)
    if len(apart) < 2:
        return centres, usable
    t_apart = np.array([b.frame for b in apart], dtype=np.float64)
    e0, e1, _ = _fit_line(t_apart / max(frames - 1, 1), np.array([b.extent for b in apart], dtype=np.float64))
    # where the centroid sits in the box, as a fraction of the extent (a triangle's is low)
    offset = np.median([((b.cx - b.box_centre[0]) / b.extent, (b.cy - b.box_centre[1]) / b.extent)
                        for b in apart], axis=0)
    for i, blob in enumerate(blobs):
        others = track.others[blob.frame] if track.others else []
        if not blob.touching or not others:
            continue
        extent = e0 + (e1 - e0) * blob.frame / max(frames - 1, 1)
        front = min(others, key=lambda o: np.hypot(o.cx - blob.cx, o.cy - blob.cy))
        corrected = []
        for low, high, front_low, front_high in ((blob.x0, blob.x1, front.x0, front.x1),
                                                 (blob.y0, blob.y1, front.y0, front.y1)):
            low_hidden = front_low < low <= front_high + TOUCH_DISTANCE
            high_hidden = front_low - TOUCH_DISTANCE <= high < front_high
            if high - low + 1 >= extent - 1:  # box whole along this axis: a notch moves only the centroid
                corrected.append((low + high + 1) / 2)
            elif low_hidden and not high_hidden:
                corrected.append(high + 1 - extent / 2)
            elif high_hidden and not low_hidden:
                corrected.append(low + extent / 2)
            else:                             # cut on both sides (or unclear): no centre to trust
                corrected.append(np.nan)
        usable[i] = not np.isnan(corrected).any()
        centres[i] = np.array(corrected) + offset * extent
    return centres, usable


def _classify_motion(track: _Track, blobs: list[_Blob], centres: np.ndarray, sized: list[_Blob], frames: int,
                     min_span: float) -> Optional[str]:
    """Motion from the centres of these blobs and the extents of the `sized` ones."""
    t = np.array([b.frame for b in blobs], dtype=np.float64) / max(frames - 1, 1)
    if len(blobs) < MIN_MOTION_FRAMES or np.ptp(t) < min_span:
        return None
    xs, ys = centres[:, 0], centres[:, 1]
    range_x, range_y = float(np.ptp(xs)), float(np.ptp(ys))
    # Travel first: an object moving behind another also seems to shrink.
    x_start, x_end, x_residual = _fit_line(t, xs)
    y_start, y_end, y_residual = _fit_line(t, ys)
    travel_x, travel_y = x_end - x_start, y_end - y_start
    low, high = TRAVEL_RANGE
    if low <= abs(travel_x) <= high and range_y <= SIDEWAYS_MAX and x_residual <= LINEAR_RESIDUAL_MAX:
        return "moving right" if travel_x > 0 else "moving left"
    if low <= abs(travel_y) <= high and range_x <= SIDEWAYS_MAX and y_residual <= LINEAR_RESIDUAL_MAX:
        return "moving down" if travel_y > 0 else "moving up"
    t_sized = np.array([b.frame for b in sized], dtype=np.float64) / max(frames - 1, 1)
    extent_known = len(sized) >= 2 and np.ptp(t_sized) >= min_span
    if extent_known:
        e_start, e_end, _ = _fit_line(t_sized, np.array([b.extent for b in sized], dtype=np.float64))
        ratio = e_end / max(e_start, 1e-6)
        box_range = float(np.ptp(np.array([b.box_centre for b in sized]), axis=0).max())
        # The centre stays put; when one side of the object is hidden, the visible box's
        # centre moves by up to half the change of extent.
        centre_fixed = box_range <= FIXED_CENTRE_RANGE + abs(e_end - e_start) / 2
        if ratio >= GROW_RANGE[0]:
            return "growing" if centre_fixed and ratio <= GROW_RANGE[1] else None
        if ratio <= SHRINK_RANGE[1]:
            return "shrinking" if centre_fixed and ratio >= SHRINK_RANGE[0] else None
    if max(range_x, range_y) <= FIXED_CENTRE_RANGE:
        # unseen growth must not pass for still, nor a change of size between the ranges
        return "still" if extent_known and STILL_RANGE[0] <= ratio <= STILL_RANGE[1] else None
    # A reversal may happen while the object is partly hidden: count turns on every frame
    # where it is seen on its own, even partly.
    seen_ys = np.array([b.cy for b, m in zip(track.blobs, track.merged) if b is not None and not m])
    if range_y >= BOUNCE_RANGE_MIN and range_x <= SIDEWAYS_MAX and _reversals(seen_ys, REVERSAL_MIN) >= 1:
        return "bouncing"
    return None


def _reversals(values: np.ndarray, depth: float) -> int:
    """How often the values turn back by at least `depth` (a zigzag count that ignores jitter)."""
    count, direction, extreme = 0, 0.0, float(values[0])
    for value in values[1:]:
        change = float(value) - extreme
        if direction == 0:
            if abs(change) >= depth:
                direction, extreme = np.sign(change), float(value)
        elif change * direction > 0:
            extreme = float(value)
        elif abs(change) >= depth:
            count, direction, extreme = count + 1, -direction, float(value)
    return count


def _size_word(extent: float) -> Optional[str]:
    """The size word whose extent (world.SIZE_EXTENT) is nearest by ratio, if within SIZE_TOLERANCE
    of it (a speck is no small object, a 40 px object no big one); "-" otherwise."""
    word = min(SIZE_EXTENT, key=lambda w: abs(np.log(max(extent, 1.0) / SIZE_EXTENT[w])))
    return word if abs(np.log(max(extent, 1.0) / SIZE_EXTENT[word])) <= np.log(SIZE_TOLERANCE) else "-"


@dataclass
class _Measured:
    track: _Track
    shape: Optional[str]
    shape_votes: list[str]
    extent: Optional[float]
    motion: Optional[str]


def _measure(track: _Track, scene: _Segmentation) -> _Measured:
    clean = track.clean()
    judged = [b for b in track.apart() if b.extent >= MIN_SHAPE_EXTENT]
    if not judged:      # nothing apart and large enough: judge the largest others (never specks)
        judged = sorted((b for b in track.blobs if b is not None and b.extent >= MIN_SHAPE_EXTENT),
                        key=lambda b: -b.extent)[:3]
    votes, totals = [], {s: 0.0 for s in SHAPES}
    for blob in judged:
        scores = _shape_scores(blob, scene)
        best = max(scores, key=scores.get)
        # no template fits well enough: a bar, a blob, a cluster of specks is no shape
        votes.append(best if scores[best] >= SHAPE_MIN_IOU else None)
        for s, v in scores.items():
            totals[s] += v
    shape = max([*SHAPES, None], key=lambda s: (votes.count(s), totals.get(s, 0.0))) if votes else None
    sized = clean or [b for b in track.blobs if b is not None]
    t = np.array([b.frame for b in sized], dtype=np.float64)
    extent = _fit_line(t, np.array([b.extent for b in sized], dtype=np.float64))[0] if sized else None
    return _Measured(track, shape, votes, extent, _motion(track, clean, scene.num_frames))


def _verdict(spec: ObjectSpec, measured: Optional[_Measured], scene: _Segmentation) -> ObjectVerdict:
    if measured is None:
        return ObjectVerdict(spec, False, False, False, False, False, notes=[f"no {spec.colour} object found"])
    track = measured.track
    frames = scene.num_frames
    hidden = sum(track.hidden)
    colour = track.present_frames >= 1 and (track.present_frames + hidden) * 2 >= frames
    accounted = all(b is not None or h for b, h in zip(track.blobs, track.hidden))
    steady = sum(v != measured.shape for v in measured.shape_votes) <= SHAPE_VOTE_SLACK
    copies = sum(track.copies)
    whole = copies < _extra_frame_limit(frames)
    notes = []
    if not whole:
        notes.append(f"{spec.colour} object split into copies in {copies} frames")
    if not accounted:
        missing = [f for f, (b, h) in enumerate(zip(track.blobs, track.hidden)) if b is None and not h]
        notes.append(f"{spec.colour} object missing in frames {missing}")
    if not steady:
        notes.append(f"shape changes over time: {measured.shape_votes}")
    return ObjectVerdict(
        spec,
        colour=colour,
        shape=measured.shape == spec.shape,
        size=measured.extent is not None and _size_word(measured.extent) == spec.size,
        motion=measured.motion == spec.motion,
        consistency=accounted and steady and whole,
        seen_shape=measured.shape,
        seen_extent=None if measured.extent is None else round(measured.extent, 1),
        seen_motion=measured.motion,
        notes=notes,
    )


def _match(tracks: list[_Track], specs: list[ObjectSpec], scene: _Segmentation) -> dict[int, ObjectVerdict]:
    """Pair same-colour tracks with the caption's objects of that colour, best agreement first."""
    measured: list[Optional[_Measured]] = [_measure(t, scene) for t in tracks]
    measured += [None] * (len(specs) - len(measured))
    best, best_score = None, -1
    for order in permutations(range(len(measured)), len(specs)):
        verdicts = [_verdict(spec, measured[j], scene) for spec, j in zip(specs, order)]
        score = sum(getattr(v, attr) for v in verdicts for attr in OBJECT_ATTRIBUTES)
        if score > best_score:
            best, best_score = verdicts, score
    return dict(enumerate(best))


def main(argv: Optional[list[str]] = None) -> int:
    """python -m firstframe_train.judge VIDEO CAPTION: print what the judge saw; exit 1 on a mismatch."""
    import argparse
    import json
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("video")
    parser.add_argument("caption")
    args = parser.parse_args(argv)
    verdict = judge_file(args.video, args.caption)
    print(json.dumps({"ok": verdict.ok, **verdict.attributes(), "failures": verdict.failures(),
                      "notes": [n for o in verdict.objects for n in o.notes]}, indent=1))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
