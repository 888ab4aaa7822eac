"""The committed parity fixtures are what today's reference code computes from the committed tiny
model (issue 28: fixtures that match what ships): `make_fixtures --parity-only` writes them again
into a temporary folder, and every case and tensor must match; the masked model's video-decoder
fixture likewise (tools/masked_fixtures.py --video-decoder-only). Float tensors within 1e-4 times
max(1, |x|): another torch build moves them by about 1e-6 (5e-4 on Euler's latents, which
reach hundreds); pixels within one level."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from firstframe_train import import_model, make_fixtures
from firstframe_train.bundle import load_bundle
from firstframe_train.config import get_preset

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "test/fixtures/parity"


def _refs(node, path=""):
    """Every tensor reference {"file", "dtype", "shape"} in parity.json, by where it sits."""
    if isinstance(node, dict):
        if set(node) == {"file", "dtype", "shape"}:
            yield path, node
        for key, value in node.items():
            yield from _refs(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, f"{path}[{i}]")


def _array(folder: Path, ref: dict) -> np.ndarray:
    dtype = np.uint8 if ref["dtype"] == "uint8" else "<f4"
    return np.fromfile(folder / ref["file"], dtype=dtype).reshape(ref["shape"]).astype(np.float64)


def _without_refs(node):
    if isinstance(node, dict):
        return {k: _without_refs(v) for k, v in node.items() if not (isinstance(v, dict) and "file" in v)}
    if isinstance(node, list):
        return [_without_refs(v) for v in node]
    return node


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("parity")
    make_fixtures.main(["--parity-only", "--parity-out", str(out)])
    return out


def test_the_committed_fixtures_are_what_the_reference_writes(written):
    committed = json.loads((COMMITTED / "parity.json").read_text())
    fresh = json.loads((written / "parity.json").read_text())
    assert _without_refs(fresh) == _without_refs(committed)  # prompts, settings, timesteps, token ids
    refs = dict(_refs(committed))
    assert refs.keys() == dict(_refs(fresh)).keys()
    assert {p.name for p in COMMITTED.glob("*.bin")} == {p.name for p in written.glob("*.bin")}
    for where, ref in _refs(fresh):
        want, got = _array(COMMITTED, refs[where]), _array(written, ref)
        assert got.shape == want.shape, where
        if ref["dtype"] == "uint8":
            assert np.abs(got - want).max() <= 1, where
        else:
            assert (np.abs(got - want) / np.maximum(1, np.abs(want))).max() <= 1e-4, where


def test_the_video_runs_include_ddim_eta_with_its_step_noise(written):
    runs = json.loads((written / "parity.json").read_text())["image_to_video"]["runs"]
    assert [(r["scheduler"], r["eta"]) for r in runs] == [("dpmpp_2m", 0.0), ("ddim", 0.5)]
    eta = runs[1]
    # one unit-noise tensor the video's shape per step
    assert eta["step_noise"]["shape"] == [eta["num_inference_steps"], *eta["latents"]["shape"]]
    noise = _array(written, eta["step_noise"])
    assert abs(noise.std() - 1) < 0.01


def test_the_masked_video_decoder_fixture_is_what_the_reference_decodes(tmp_path):
    """parity-masked/video-decoder: the frames PyTorch decodes from the committed masked cases'
    latents through the committed masked model's per-frame decoder plus the seeded temporal weights."""
    sys.path.insert(0, str(REPO / "training" / "tools"))
    try:
        import masked_fixtures
    finally:
        sys.path.pop(0)
    committed = REPO / "test/fixtures/parity-masked"
    import_model.main(["--preset", "tiny", "--runs", str(tmp_path / "runs"),
                       "--model", str(REPO / "test/fixtures/masked-model")])
    bundle = load_bundle(get_preset("tiny"), tmp_path / "runs" / "tiny", need_video=False)
    fresh = masked_fixtures.write_video_decoder_fixture(bundle, committed, tmp_path / "out")
    want = json.loads((committed / "video-decoder" / "fixture.json").read_text())
    assert fresh == want
    for key in ("interpolate_out_frames_uint8", "continue_new_frames_uint8"):
        got = _array(tmp_path / "out", fresh[key])
        assert np.abs(got - _array(committed / "video-decoder", want[key])).max() <= 1, key
