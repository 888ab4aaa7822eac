"""Training batches rendered on the fly by the shapes world (no data set is stored)."""
import numpy as np
import torch

from . import world


def pixels_to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 [..., 64, 64, 3] -> float32 [..., 3, 64, 64] in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(frames)).float() / 127.5 - 1.0
    return x.movedim(-1, -3)


def tensor_to_pixels(x: torch.Tensor) -> np.ndarray:
    """float [..., 3, H, W] about [-1, 1] -> uint8 [..., H, W, 3] (clamp, then round)."""
    x = ((x.detach().float().clamp(-1, 1) + 1.0) * 127.5).round()
    return x.movedim(-3, -1).to(torch.uint8).cpu().numpy()


class WorldStream:
    """Batches of (video pixels [B, F, 3, 64, 64] in [-1, 1], captions) from a seeded RNG."""

    def __init__(self, seed: int, num_frames: int = 16):
        self.rng = np.random.default_rng(seed)
        self.num_frames = num_frames

    def videos(self, batch_size: int):
        """The first num_frames frames of 16-frame clips: a shorter stage sees the same speed
        per frame as the full clip (world.sample_batch(num_frames=8) would halve the fps)."""
        frames, captions = world.sample_batch(self.rng, batch_size, num_frames=16, held_out="exclude")
        return pixels_to_tensor(frames[:, : self.num_frames]), list(captions)

    def first_frames(self, batch_size: int):
        frames, captions = world.sample_batch(self.rng, batch_size, num_frames=1, held_out="exclude")
        return pixels_to_tensor(frames[:, 0]), list(captions)

    def random_frames(self, batch_size: int):
        video, _ = self.videos(batch_size)
        idx = torch.from_numpy(self.rng.integers(0, video.shape[1], batch_size))
        return video[torch.arange(batch_size), idx]


class LatentPool:
    """First-frame latents kept in a pool that is partly refreshed every step, so each batch
    costs the autoencoder only `refresh` new frames instead of a full batch."""

    def __init__(self, stream: WorldStream, encode, size: int, refresh: int):
        self.stream, self.encode, self.refresh = stream, encode, refresh
        self.latents, self.captions = self._fresh(size)
        self.rng = stream.rng

    def _fresh(self, n):
        images, captions = self.stream.first_frames(n)
        with torch.no_grad():
            return torch.cat([self.encode(chunk) for chunk in images.split(64)]), captions

    def batch(self, batch_size: int):
        slots = self.rng.choice(len(self.captions), self.refresh, replace=False)
        new_latents, new_captions = self._fresh(self.refresh)
        self.latents[torch.from_numpy(slots)] = new_latents
        for slot, caption in zip(slots, new_captions):
            self.captions[slot] = caption
        pick = self.rng.choice(len(self.captions), batch_size, replace=False)
        return self.latents[torch.from_numpy(pick)], [self.captions[i] for i in pick]


def vocabulary():
    return world.vocabulary()
