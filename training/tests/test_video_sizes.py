"""Video U-Net sizes (config.VIDEO_SIZES, issue 28 item 2): a preset `<preset>-<size>` grows only the
video U-Net's temporal layers; a grown U-Net computes what the smaller one it came from computes
(new temporal blocks and feed-forwards start as the identity) and trains only temporal layers and
the input conv; the export layout computes the same as the training modules; a shipped folder of
the base size imports into the sized preset."""
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from firstframe_train import export_layout, import_model
from firstframe_train.config import PRESETS, VIDEO_SIZES, get_preset, without_video_size
from firstframe_train.nets.unet import VIDEO_CHANNELS, UNet, count_parameters, grow_video_unet, is_trainable_in_video
from firstframe_train.runs import load_checkpoint

TINY_MODEL = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "tiny-model"
SIZES = [dict(temporal_ff=4), dict(temporal_depth=2), dict(temporal_after_attention=True, temporal_depth=3),
         *VIDEO_SIZES.values()]


def _randomised(module, seed=0, scale=0.2):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * scale)
    return module.eval()


def _inputs(preset, batch=2, frames=5, seed=1):
    gen = torch.Generator().manual_seed(seed)
    ctx = torch.randn(batch, preset.text.max_length, preset.text.hidden_size, generator=gen)
    return (torch.randn(batch, VIDEO_CHANNELS, frames, 16, 16, generator=gen), torch.tensor([999.0, 40.0][:batch]),
            ctx)


def test_sized_preset_changes_only_the_video_unets_temporal_layers():
    for base in ("tiny", "cpu", "cpu_on_gpu"):
        for size, changes in VIDEO_SIZES.items():
            sized = get_preset(f"{base}-{size}")
            assert sized.name == f"{base}-{size}"
            assert sized.unet == replace(PRESETS[base].unet, **changes) != PRESETS[base].unet
            assert replace(sized, name=base, unet=PRESETS[base].unet) == PRESETS[base]
            assert without_video_size(sized) is PRESETS[base]
            image = UNet(sized.unet, sized.text.hidden_size)  # the image U-Net ignores the video size
            assert image.state_dict().keys() == UNet(PRESETS[base].unet, sized.text.hidden_size).state_dict().keys()
    assert without_video_size(PRESETS["cpu"]) is PRESETS["cpu"]
    with pytest.raises(SystemExit, match="unknown video size"):
        get_preset("cpu-huge")
    with pytest.raises(SystemExit, match="unknown preset"):
        get_preset("large-budget8s")


@pytest.mark.parametrize("changes", SIZES)
def test_grown_video_unet_computes_what_the_small_one_did(changes):
    preset = get_preset("tiny")
    small = _randomised(UNet(preset.unet, preset.text.hidden_size, VIDEO_CHANNELS, temporal=True))
    grown = grow_video_unet(small, replace(preset.unet, **changes), preset.text.hidden_size).eval()
    assert count_parameters(grown) > count_parameters(small)
    inputs = _inputs(preset)
    with torch.no_grad():
        assert torch.allclose(grown(*inputs), small(*inputs), atol=1e-5)
    trainable = {n for n, p in grown.named_parameters() if p.requires_grad}
    new = set(grown.state_dict()) - set(small.state_dict())
    assert new and new <= trainable and all(is_trainable_in_video(n) for n in trainable)
    # and the new layers do something once trained
    _randomised(grown, seed=5)
    with torch.no_grad():
        changed = grown(*inputs)
        for name, p in grown.named_parameters():
            if name in new:
                p.zero_()
        assert not torch.allclose(grown(*inputs), changed, atol=1e-3)


@pytest.mark.parametrize("changes", SIZES)
def test_fast_layout_matches_a_grown_unet(changes):
    preset = get_preset("cpu")
    unet = _randomised(UNet(replace(preset.unet, **changes), preset.text.hidden_size, VIDEO_CHANNELS,
                            temporal=True), scale=0.1)
    inputs = _inputs(preset, frames=4)
    with torch.no_grad():
        want = unet(*inputs)
        got = export_layout.FastUNet(unet)(*inputs)
    diff = (got - want).abs().max().item()
    assert diff <= 1e-4 * max(1.0, want.abs().max().item()), f"max abs diff {diff}"


def test_a_base_size_folder_imports_into_the_sized_preset(tmp_path):
    index = json.loads((TINY_MODEL / "model_index.json").read_text())
    runs = tmp_path / "runs"
    import_model.main(["--preset", "tiny", "--runs", str(runs), "--model", str(TINY_MODEL), "--video"])
    import_model.main(["--preset", "tiny-budget8s", "--runs", str(runs), "--model", str(TINY_MODEL), "--video"])
    small = load_checkpoint(runs / "tiny" / "video_b.pt")["ema"]["unet"]
    grown = load_checkpoint(runs / "tiny-budget8s" / "video_b.pt")["ema"]["unet"]
    assert sum(v.numel() for v in small.values()) == index["components"]["unet_video"]["parameters"]
    assert set(small) < set(grown)
    for name, value in small.items():  # every shipped weight where it was
        assert torch.equal(grown[name], value), name
    # a folder of neither size is refused in words
    other = tmp_path / "other"
    shutil.copytree(TINY_MODEL, other)
    index["components"]["unet_video"]["parameters"] += 1
    (other / "model_index.json").write_text(json.dumps(index))
    with pytest.raises(SystemExit, match="neither"):
        import_model.main(["--preset", "tiny-budget8s", "--runs", str(runs), "--model", str(other), "--video"])
