"""The export layout (export_layout.FastUNet) computes what the training U-Nets compute, on the
shipped shapes (cpu preset, batch 3, 16 frames), with every parameter random (the zero-initialised
temporal outputs too), and its ONNX export keeps every parameter under its own name."""
import onnx
import pytest
from onnx import numpy_helper
import torch

from firstframe_train import export_layout
from firstframe_train.config import get_preset
from firstframe_train.export import export_onnx
from firstframe_train.nets.unet import UNet, VIDEO_CHANNELS

TOL = 1e-4


def _random_unet(preset, temporal, seed=0, anchor="own"):
    unet = UNet(preset.unet, preset.text.hidden_size, VIDEO_CHANNELS if temporal else 4, temporal=temporal)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in unet.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    if temporal:
        unet.set_frame_anchor(anchor)
    return unet.eval()


def _inputs(preset, temporal, batch=3, frames=16, seed=1):
    gen = torch.Generator().manual_seed(seed)
    shape = (batch, VIDEO_CHANNELS, frames, 16, 16) if temporal else (batch, 4, 16, 16)
    t = torch.tensor([999.0, 500.0, 3.0][:batch])
    ctx = torch.randn(batch, preset.text.max_length, preset.text.hidden_size, generator=gen)
    return torch.randn(shape, generator=gen), t, ctx


@pytest.mark.parametrize("temporal,anchor,frames", [(True, "own", 16), (True, "own+first", 5), (False, "own", 1)])
def test_fast_layout_matches_training_modules(temporal, anchor, frames):
    preset = get_preset("cpu")
    unet = _random_unet(preset, temporal, anchor=anchor)
    inputs = _inputs(preset, temporal, frames=frames)
    with torch.no_grad():
        want = unet(*inputs)
        got = export_layout.FastUNet(unet)(*inputs)
    assert got.shape == want.shape
    diff = (got - want).abs().max().item()
    assert diff <= TOL, f"max abs diff {diff}"


def test_fast_export_keeps_every_parameter_by_name(tmp_path):
    preset = get_preset("tiny")
    unet = _random_unet(preset, True, seed=3)
    inputs = _inputs(preset, True, batch=2, frames=4)
    axes = {"sample": {0: "batch", 2: "frames"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"},
            "out_sample": {0: "batch", 2: "frames"}}
    path = tmp_path / "unet.onnx"
    export_onnx(unet, inputs, ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], axes, path,
                layout="fast")
    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for name, p in unet.named_parameters():
        assert (inits[f"unet.{name}"] == p.detach().numpy()).all(), name
    ops = [n.op_type for n in model.graph.node]
    assert "MultiHeadAttention" in ops
    kernels = [a.ints for n in model.graph.node if n.op_type == "Conv" for a in n.attribute if a.name == "kernel_shape"]
    assert kernels and all(len(k) == 2 for k in kernels)  # no Conv3d: the temporal conv is a Conv2d (1, 3)
    assert {"InstanceNormalization", "BatchNormalization"} <= set(ops)  # GroupNorm's affine in one op
    assert not {"Einsum", "Split"} & set(ops)  # no Einsum nodes, no frame-shift copies
    assert {o.domain: o.version for o in model.opset_import}.get("com.microsoft") == 1
