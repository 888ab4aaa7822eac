"""Tokenizer file format and the U-Net properties the video method depends on."""
import json

import torch

from firstframe_train.config import get_preset
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
