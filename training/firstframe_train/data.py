"""Training batches rendered on the fly by the shapes world (no data set is stored)."""
import os

import numpy as np
import torch
import torch.nn.functional as F

from . import world

# Objects cover a few percent of the frame, so a plain MSE spends most of its signal on the flat
# background. Latent pixels on or next to an object weigh OBJECT_WEIGHT times more in the loss.
OBJECT_WEIGHT = 5.0


def pixels_to_tensor(frames, device="cpu") -> torch.Tensor:
    """uint8 [..., 64, 64, 3] (numpy or tensor) -> float32 [..., 3, 64, 64] in [-1, 1] on device
    (converted there: a quarter of the bytes cross to a GPU)."""
    if isinstance(frames, np.ndarray):
        frames = torch.from_numpy(np.ascontiguousarray(frames))
    x = frames.to(device, non_blocking=True).float() / 127.5 - 1.0
    return x.movedim(-1, -3)


def tensor_to_pixels(x: torch.Tensor) -> np.ndarray:
    """float [..., 3, H, W] about [-1, 1] -> uint8 [..., H, W, 3] (clamp, then round)."""
    x = ((x.detach().float().clamp(-1, 1) + 1.0) * 127.5).round()
    return x.movedim(-3, -1).to(torch.uint8).cpu().numpy()


def object_mask(pixels: torch.Tensor, captions) -> torch.Tensor:
    """pixels [B, (F,) 3, 64, 64] in [-1, 1] -> float mask [B, (F,) 16, 16]: 1 where a latent
    pixel (4x4 pixels), or its neighbour, shows anything but the caption's background colour."""
    backgrounds = torch.tensor([world.BACKGROUNDS[world.parse_caption(c)[1]] for c in captions],
                               dtype=torch.float32, device=pixels.device) / 127.5 - 1.0
    bg = backgrounds.reshape(len(captions), *([1] * (pixels.ndim - 4)), 3, 1, 1)
    on_object = ((pixels - bg).abs().amax(dim=-3) > 0.1).float()  # [B, (F,) 64, 64]
    flat = on_object.reshape(-1, 1, *on_object.shape[-2:])
    latent = F.max_pool2d(F.max_pool2d(flat, 4), 3, stride=1, padding=1)
    return latent.reshape(*on_object.shape[:-2], *latent.shape[-2:])


def weighted_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """MSE where weight (broadcast over channels) scales each latent pixel; normalised so a
    uniform weight gives the plain MSE."""
    w = weight.unsqueeze(1).expand_as(pred)
    return ((pred - target) ** 2 * w).sum() / w.sum()


def loss_weight(mask: torch.Tensor) -> torch.Tensor:
    return 1.0 + (OBJECT_WEIGHT - 1.0) * mask


# The video U-Net's hard cases, each a test on a scene's objects. Share of objects kept consistent
# by shapes-v8 (training/experiments/13-step-count-samplers.md): bouncing 21 %, in two-object scenes 43 %,
# crosses 40 %, small 48 %, the other kinds 51-87 %.
HARD_CASES = {
    "two objects": lambda objects: len(objects) == 2,
    "bouncing": lambda objects: any(o.motion == "bouncing" for o in objects),
    "cross": lambda objects: any(o.shape == "cross" for o in objects),
    "small": lambda objects: any(o.size == "small" for o in objects),
}


def hardness(scene: world.Scene) -> int:
    """How many of the HARD_CASES a scene holds, 0-4."""
    return sum(test(scene.objects) for test in HARD_CASES.values())


def sample_hard_scene(rng: np.random.Generator) -> world.Scene:
    """A training scene drawn from the world and kept with probability hardness / 4 (rejection
    sampling): the world's mix tilted toward the hard cases; a scene with none is never kept."""
    while True:
        scene = world.sample_scene(rng, held_out="exclude")
        if rng.random() < hardness(scene) / len(HARD_CASES):
            return scene


class WorldStream:
    """Batches of (video pixels [B, F, 3, 64, 64] in [-1, 1], captions) from a seeded RNG.
    hard_share: the share of video clips drawn by sample_hard_scene instead of the world's mix."""

    def __init__(self, seed: int, num_frames: int = 16, hard_share: float = 0.0):
        if not 0.0 <= hard_share <= 1.0:
            raise ValueError(f"hard_share must be in [0, 1], got {hard_share!r}")
        self.rng = np.random.default_rng(seed)
        self.num_frames = num_frames
        self.hard_share = hard_share

    def video_pixels(self, batch_size: int):
        """uint8 [B, F, 64, 64, 3]: the first num_frames frames of 16-frame clips, so a shorter
        stage sees the same speed per frame as the full clip (world.sample_batch(num_frames=8)
        would halve the fps)."""
        if self.hard_share == 0.0:  # the world's own mix, the same clips as before hard_share existed
            frames, captions = world.sample_batch(self.rng, batch_size, num_frames=16, held_out="exclude")
            return np.ascontiguousarray(frames[:, : self.num_frames]), list(captions)
        scenes = [sample_hard_scene(self.rng) if self.rng.random() < self.hard_share
                  else world.sample_scene(self.rng, held_out="exclude") for _ in range(batch_size)]
        frames = np.stack([world.render(scene)[: self.num_frames] for scene in scenes])
        return frames, [scene.caption for scene in scenes]

    def first_frame_pixels(self, batch_size: int):
        """uint8 [B, 64, 64, 3]"""
        frames, captions = world.sample_batch(self.rng, batch_size, num_frames=1, held_out="exclude")
        return np.ascontiguousarray(frames[:, 0]), list(captions)

    def videos(self, batch_size: int):
        pixels, captions = self.video_pixels(batch_size)
        return pixels_to_tensor(pixels), captions

    def random_frames(self, batch_size: int):
        video, _ = self.videos(batch_size)
        idx = torch.from_numpy(self.rng.integers(0, video.shape[1], batch_size))
        return video[torch.arange(batch_size), idx]


class _RenderedBatches(torch.utils.data.IterableDataset):
    """Endless (uint8 pixels, captions) batches; each DataLoader worker renders with its own seed.
    uint8 is a quarter of float32 through the workers' shared memory and the copy to the GPU."""

    def __init__(self, seed: int, batch_size: int, kind: str, num_frames: int, hard_share: float):
        self.seed, self.batch_size, self.kind, self.num_frames = seed, batch_size, kind, num_frames
        self.hard_share = hard_share

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        stream = WorldStream(self.seed if info is None else self.seed * 100 + 1 + info.id, self.num_frames,
                             self.hard_share)
        render = stream.first_frame_pixels if self.kind == "first" else stream.video_pixels
        while True:
            pixels, captions = render(self.batch_size)
            yield torch.from_numpy(pixels), captions


def default_data_workers(device) -> int:
    """Rendering is single-threaded numpy: on a GPU it is the bottleneck unless several processes
    render. On the CPU the training itself is slower, and one process keeps runs reproducible."""
    if "FIRSTFRAME_DATA_WORKERS" in os.environ:
        return int(os.environ["FIRSTFRAME_DATA_WORKERS"])
    return 0 if torch.device(device).type == "cpu" else max(1, min(12, (os.cpu_count() or 2) - 2))


def rendered_batches(seed: int, batch_size: int, kind: str, num_frames: int = 16, workers: int = 0,
                     device="cpu", hard_share: float = 0.0):
    """Iterator of (pixels on `device`, float32 in [-1, 1], captions): kind "first" gives first frames
    [B, 3, 64, 64], "videos" gives clips [B, num_frames, 3, 64, 64]. workers > 0 renders in that many
    background processes; the uint8 -> float conversion happens on `device`. hard_share tilts the
    videos toward the hard cases (WorldStream)."""
    if kind not in ("first", "videos"):
        raise ValueError(f"kind {kind!r}: allowed first, videos")
    dataset = _RenderedBatches(seed, batch_size, kind, num_frames, hard_share)
    on_gpu = torch.device(device).type == "cuda"
    batches = iter(dataset) if workers == 0 else iter(torch.utils.data.DataLoader(
        dataset, batch_size=None, num_workers=workers, prefetch_factor=4, persistent_workers=True,
        pin_memory=on_gpu))
    return ((pixels_to_tensor(pixels, device), captions) for pixels, captions in batches)


class LatentPool:
    """First-frame latents kept in a pool that is partly refreshed every step, so each batch
    costs the autoencoder only one (small) batch of new frames instead of a full batch.
    frames: iterator of (first frames [N, 3, 64, 64], captions), see rendered_batches."""

    def __init__(self, frames, encode, size: int, rng: np.random.Generator):
        self.frames, self.encode, self.rng = frames, encode, rng
        parts = []
        while sum(len(part[2]) for part in parts) < size:
            parts.append(self._fresh())
        self.latents = torch.cat([part[0] for part in parts])
        self.masks = torch.cat([part[1] for part in parts])
        self.captions = [c for part in parts for c in part[2]]

    def _fresh(self):
        images, captions = next(self.frames)
        with torch.no_grad():
            latents = torch.cat([self.encode(chunk) for chunk in images.split(256)])
        return latents, object_mask(images, captions).to(latents.device), list(captions)

    def batch(self, batch_size: int):
        """-> (latents [B, 4, 16, 16], object masks [B, 16, 16], captions)"""
        new_latents, new_masks, new_captions = self._fresh()
        slots = self.rng.choice(len(self.captions), len(new_captions), replace=False)
        self.latents[torch.from_numpy(slots)] = new_latents
        self.masks[torch.from_numpy(slots)] = new_masks
        for slot, caption in zip(slots, new_captions):
            self.captions[slot] = caption
        pick = torch.from_numpy(self.rng.choice(len(self.captions), batch_size, replace=False))
        return self.latents[pick], self.masks[pick], [self.captions[i] for i in pick]


def vocabulary():
    return world.vocabulary()


# Conditioning masks of the video U-Net (Emu Video trains its interpolation model F_i the same
# way: the known frames go in zero-padded over time with a mask). docs/model-format.md, "Masked uses".
#   first:       frame 0 (image-to-video, the product's path)
#   interpolate: every other frame (0, 2, 4, ...) or every fourth (0, 4, 8, ...), half the clips each
#   continue:    the first k frames, k uniform in 1..F/2 (a clip extended from its own last frames)
MASK_KINDS = ("first", "interpolate", "continue")
FIRST_ONLY = {"first": 1.0}


def parse_mask_mix(text: str) -> dict:
    """"first=0.7,interpolate=0.15,continue=0.15" -> {kind: share}, shares summing to 1."""
    mix = {}
    for item in filter(None, (text or "").split(",")):
        kind, _, value = item.partition("=")
        kind = kind.strip()
        if kind not in MASK_KINDS:
            raise ValueError(f"mask kind {kind!r}: allowed {', '.join(MASK_KINDS)}")
        mix[kind] = float(value)
    if not mix or any(v < 0 for v in mix.values()) or abs(sum(mix.values()) - 1.0) > 1e-6:
        raise ValueError(f"mask mix {text!r}: shares of {', '.join(MASK_KINDS)}, >= 0, summing to 1")
    return {kind: mix[kind] for kind in MASK_KINDS if mix.get(kind, 0.0) > 0}


def format_mask_mix(mix: dict) -> str:
    return ",".join(f"{kind}={share:g}" for kind, share in mix.items())


def mask_frames(kind: str, num_frames: int, rng: np.random.Generator = None, k: int = None) -> np.ndarray:
    """One conditioning mask: bool [F], True at the frames given to the model.
    interpolate draws stride 2 or 4 from rng (or k as the stride); continue draws k in 1..F/2 from
    rng (or takes k)."""
    mask = np.zeros(num_frames, dtype=bool)
    if kind == "first":
        mask[0] = True
    elif kind == "interpolate":
        stride = k if k is not None else (2 if rng.random() < 0.5 else 4)
        mask[::stride] = True
    elif kind == "continue":
        k = k if k is not None else int(rng.integers(1, max(1, num_frames // 2) + 1))
        mask[:k] = True
    else:
        raise ValueError(f"mask kind {kind!r}: allowed {', '.join(MASK_KINDS)}")
    return mask


def sample_condition_masks(rng: np.random.Generator, batch_size: int, num_frames: int, mix: dict):
    """-> (bool [B, F] masks, the kind of each row). The first-frame-only mix draws nothing from
    rng, so runs without masks see the same random numbers as before masks existed."""
    if set(mix) == {"first"}:
        return np.tile(mask_frames("first", num_frames), (batch_size, 1)), ["first"] * batch_size
    kinds = list(mix)
    picks = rng.choice(len(kinds), size=batch_size, p=np.array([mix[k] for k in kinds]) / sum(mix.values()))
    rows = [kinds[i] for i in picks]
    return np.stack([mask_frames(kind, num_frames, rng) for kind in rows]), rows
