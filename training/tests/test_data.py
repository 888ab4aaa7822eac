"""Training batches: background rendering (what a GPU run uses) and the latent pool."""
import numpy as np
import pytest
import torch

from firstframe_train import world
from firstframe_train.config import get_preset
from firstframe_train.data import LatentPool, WorldStream, hardness, rendered_batches


def test_rendered_batches_in_one_process_are_reproducible():
    a_pixels, a_captions = next(rendered_batches(5, 3, "videos", num_frames=4))
    b_pixels, b_captions = next(rendered_batches(5, 3, "videos", num_frames=4))
    assert a_pixels.shape == (3, 4, 3, 64, 64)
    assert a_captions == b_captions and torch.equal(a_pixels, b_pixels)


def test_background_workers_render_different_valid_batches():
    batches = rendered_batches(7, 4, "first", workers=2)
    seen = [next(batches) for _ in range(4)]
    for pixels, captions in seen:
        assert pixels.shape == (4, 3, 64, 64) and pixels.min() >= -1 and pixels.max() <= 1
        for caption in captions:
            world.parse_caption(caption)  # raises on a caption outside the grammar
    # two workers with their own seeds: no two batches repeat
    assert len({tuple(captions) for _, captions in seen}) == 4


def test_unknown_batch_kind_is_refused():
    with pytest.raises(ValueError, match="allowed first, videos"):
        rendered_batches(1, 2, "frames")


def test_latent_pool_refreshes_from_the_stream():
    frames = rendered_batches(3, 4, "first")
    pool = LatentPool(frames, lambda x: torch.cat([x, x[:, :1]], 1)[:, :, ::4, ::4], size=10, rng=np.random.default_rng(0))
    assert pool.latents.shape == (12, 4, 16, 16) and len(pool.captions) == 12  # whole refresh batches
    before = list(pool.captions)
    latents, masks, captions = pool.batch(6)
    assert latents.shape == (6, 4, 16, 16) and masks.shape == (6, 16, 16) and len(captions) == 6
    assert sum(a != b for a, b in zip(before, pool.captions)) >= 1  # 4 slots took new scenes


def test_gpu_preset_keeps_the_shipped_architecture():
    cpu, gpu = get_preset("cpu"), get_preset("cpu_on_gpu")
    assert (gpu.autoencoder, gpu.text, gpu.unet) == (cpu.autoencoder, cpu.text, cpu.unet)
    assert gpu.train_image.batch_size > cpu.train_image.batch_size


def test_hard_share_tilts_the_clips_toward_the_hard_cases():
    def mean_hardness(share):
        stream = WorldStream(11, num_frames=4, hard_share=share)
        pixels, captions = stream.video_pixels(200)
        assert pixels.shape == (200, 4, 64, 64, 3) and len(captions) == 200
        scenes = [world.Scene(*world.parse_caption(c), c, []) for c in captions]
        return np.mean([hardness(s) for s in scenes]), min(hardness(s) for s in scenes)

    world_mix, world_min = mean_hardness(0.0)
    all_hard, all_hard_min = mean_hardness(1.0)
    assert world_min == 0 and all_hard_min >= 1  # a hard clip holds at least one hard case
    assert all_hard > world_mix + 0.5
    with pytest.raises(ValueError, match="hard_share must be in"):
        WorldStream(1, hard_share=1.5)


def test_rendered_hard_clips_show_their_captions_colours():
    pixels, captions = next(rendered_batches(9, 4, "videos", num_frames=2, hard_share=1.0))
    assert pixels.shape == (4, 2, 3, 64, 64)
    frames = ((pixels[:, 0] + 1) * 127.5).round().movedim(1, -1).reshape(4, -1, 3)
    for clip, caption in zip(frames, captions):
        objects, background = world.parse_caption(caption)
        colours = {tuple(c) for c in clip.int().tolist()}
        assert world.BACKGROUNDS[background] in colours
        assert all(world.COLOURS[o.colour] in colours for o in objects), caption
