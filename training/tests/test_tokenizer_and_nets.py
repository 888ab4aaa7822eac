"""Tokenizer file format and the U-Net properties the video method depends on."""
import json

import torch

from firstframe_train.config import get_preset
from firstframe_train.nets.layers import SpatialTransformer
from firstframe_train.nets.unet import UNet, video_unet_from_image_unet, is_trainable_in_video
from firstframe_train.nets.text_encoder import TextEncoder
from firstframe_train.tokenizer import WordTokenizer, build_vocab
from firstframe_train import world


def test_tokenizer_is_whole_word_with_pad_and_unk(tmp_path):
    tok = WordTokenizer(build_vocab(world.vocabulary()), 24)
    tok.save(tmp_path)
    data = json.loads((tmp_path / "tokenizer.json").read_text())
    assert data["model"]["type"] == "WordPiece" and data["normalizer"]["type"] == "Lowercase"
    assert data["pre_tokenizer"]["type"] == "Whitespace"
    assert not any(w.startswith("##") for w in data["model"]["vocab"])
    loaded = WordTokenizer.load(tmp_path / "tokenizer.json")
    ids, mask = loaded.encode("A RED circle moving left on a dragon")
    assert ids[:3] == [loaded.vocab["a"], loaded.vocab["red"], loaded.vocab["circle"]]
    assert ids[7] == 1 and loaded.unknown_words("a red dragon") == ["dragon"]
    assert sum(mask) == 8 and len(ids) == 24 and ids[8:] == [0] * 16
    assert loaded.encode("") == ([0] * 24, [0] * 24)


def test_empty_prompt_embedding_is_finite():
    preset = get_preset("tiny")
    enc = TextEncoder(preset.text, 40)
    out = enc(torch.zeros(1, 24, dtype=torch.int64), torch.zeros(1, 24, dtype=torch.int64))
    assert torch.isfinite(out).all()


def test_video_unet_starts_equal_to_image_unet_on_every_frame():
    preset = get_preset("tiny")
    image = UNet(preset.unet, preset.text.hidden_size)
    video = video_unet_from_image_unet(image, preset.unet, preset.text.hidden_size)
    latents, t, ctx = torch.randn(2, 4, 3, 16, 16), torch.tensor([10.0, 700.0]), torch.randn(2, 24, 32)
    cond = torch.randn(2, 5, 3, 16, 16)   # image channels start with zero weights: no effect yet
    out = video(torch.cat([latents, cond], 1), t, ctx)
    for f in range(3):
        assert torch.allclose(out[:, :, f], image(latents[:, :, f], t, ctx), atol=1e-5)
    trainable = {n for n, p in video.named_parameters() if p.requires_grad}
    assert trainable and all(is_trainable_in_video(n) for n in trainable)
    assert "conv_in.weight" in trainable and not any(n.startswith("down.") for n in trainable)


def test_first_frame_anchor_lets_every_frame_attend_to_the_first():
    torch.manual_seed(0)
    block = SpatialTransformer(16, 2, 32)
    x, ctx = torch.randn(2 * 3, 16, 4, 4), torch.randn(2 * 3, 24, 32)   # 2 videos x 3 frames
    own = block(x, context=ctx, num_frames=3)
    block.frame_anchor = "own+first"
    anchored = block(x, context=ctx, num_frames=3)
    frames = lambda out: out.reshape(2, 3, *out.shape[1:])
    # the first frame attending to itself twice is the same softmax; later frames now see it too
    assert torch.allclose(frames(anchored)[:, 0], frames(own)[:, 0], atol=1e-5)
    assert not torch.allclose(frames(anchored)[:, 1:], frames(own)[:, 1:], atol=1e-3)
    # a video whose frames are all the first frame is unchanged
    same = frames(x)[:, :1].expand(-1, 3, -1, -1, -1).reshape(x.shape)
    block.frame_anchor = "own"
    reference = block(same, context=ctx, num_frames=3)
    block.frame_anchor = "own+first"
    assert torch.allclose(block(same, context=ctx, num_frames=3), reference, atol=1e-5)
    # per-image calls (the text-to-image U-Net) ignore the anchor
    assert torch.allclose(block(x, context=ctx), own, atol=1e-6)
