"""Turns an exported model folder back into stage checkpoints, so training can continue from a
shipped model after its run folder is gone (checkpoints are not kept in git).
ONNX renames and transposes some weights (a Linear's weight becomes `onnx::MatMul_N`, transposed),
so names are not enough: each module is exported once with random weights, and every initializer
of that probe export is matched to the parameter whose values it holds (as is or transposed).
The shipped folder's initializers are then read back through that map.
Usage: python3 -m firstframe_train.import_model --preset cpu --model ../models/shapes-v8 [--video]
Writes tokenizer.json, autoencoder.pt, image.pt [, video_b.pt with --video] [, video_decoder.pt when
the folder has a vae_video_decoder] (the weights as EMA and as live weights, step 0: the stages then
train on from them)."""
import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .bundle import Bundle, new_image_unet, new_text_encoder, new_video_decoder, new_video_unet
from .config import get_preset, without_video_size
from .export import component_specs, export_onnx
from .nets.autoencoder import Autoencoder
from .nets.unet import count_parameters, grow_video_unet
from .runs import log, run_dir, save_checkpoint
from .tokenizer import WordTokenizer


def _initializers(path: Path) -> dict:
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def _probe_map(module, spec, tmp: Path) -> dict:
    """parameter name -> (initializer name, transposed?) from an export with random weights."""
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    inputs, in_names, out_names, axes, *layout = spec  # layout: the file's export_layout (export_layout.py)
    export_onnx(module, inputs, in_names, out_names, axes, tmp, *layout)
    inits = _initializers(tmp)
    out = {}
    for name, p in module.named_parameters():
        value = p.detach().numpy()
        for init_name, arr in inits.items():
            if arr.size == value.size and np.array_equal(arr.reshape(value.shape), value):
                out[name] = (init_name, False)  # same values (ONNX may add unit axes)
                break
            if value.ndim == 2 and arr.shape == value.T.shape and np.array_equal(arr, value.T):
                out[name] = (init_name, True)
                break
        else:
            raise SystemExit(f"parameter {name} {tuple(value.shape)} not found in the probe export")
    return out


def import_component(module, spec, onnx_path: Path, tmp: Path) -> None:
    mapping = _probe_map(module, spec, tmp)
    shipped = _initializers(onnx_path)
    # unnamed initializers (onnx::MatMul_N) are numbered by graph position: a folder exported by an
    # older forward() has other numbers, and its weights cannot be placed safely
    missing = sorted({init for init, _ in mapping.values()} - shipped.keys())
    if missing:
        raise SystemExit(f"{onnx_path}: {len(missing)} weights of this code's export are not in the file "
                         f"(e.g. {missing[0]}): it was exported from another version of this network; "
                         "import only folders exported by this training/ (re-export the old one from its run)")
    with torch.no_grad():
        for name, p in module.named_parameters():
            init_name, transposed = mapping[name]
            arr = shipped[init_name]
            p.copy_(torch.from_numpy(arr.T.copy() if transposed else arr.reshape(p.shape).copy()))


def video_source_preset(preset, index):
    """The architecture of the folder's unet_video: the preset's own, or, for a preset with a video
    size (config.VIDEO_SIZES) and a folder of the preset's base size (a shipped model), the base
    preset, whose U-Net is then grown (nets/unet.grow_video_unet). Told apart by the manifest's
    parameter count."""
    shipped = index["components"]["unet_video"].get("parameters")
    base = without_video_size(preset)
    if base is preset or shipped == count_parameters(new_video_unet(preset)):
        return preset
    if shipped == count_parameters(new_video_unet(base)):
        return base
    raise SystemExit(f"unet_video has {shipped} parameters: neither {preset.name}'s video U-Net nor {base.name}'s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--runs", default=None)
    parser.add_argument("--model", required=True, help="exported model folder")
    parser.add_argument("--video", action="store_true",
                        help="also import unet_video as video_b.pt (its architecture must match the preset's)")
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    run = run_dir(preset.name, args.runs)
    model = Path(args.model)
    index = json.loads((model / "model_index.json").read_text())
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(model / f, run / f)
    tokenizer = WordTokenizer.load(run / "tokenizer.json")
    with_video = args.video and "unet_video" in index["components"]
    video_preset = video_source_preset(preset, index) if with_video else preset
    bundle = Bundle(preset, tokenizer, Autoencoder(preset.autoencoder), index["latent"]["scaling_factor"],
                    new_text_encoder(preset, tokenizer), new_image_unet(preset),
                    new_video_unet(video_preset) if with_video else None,
                    video_decoder=new_video_decoder(preset) if "vae_video_decoder" in index["components"] else None)
    if with_video:  # baked into the ONNX graph: the probe export must draw the same graph
        bundle.unet_video.set_frame_anchor(index["components"]["unet_video"].get("frame_anchor", "own"))
    specs = component_specs(bundle)
    with tempfile.TemporaryDirectory() as tmp:
        for comp, (module, inputs, in_names, out_names, axes, _) in specs.items():
            layout = index["components"][comp].get("export_layout", "training")
            import_component(module, (inputs, in_names, out_names, axes, layout), model / comp / "model.onnx",
                             Path(tmp) / f"{comp}.onnx")
            log(f"[import] {comp}: {sum(p.numel() for p in module.parameters()):,} parameters")
    if with_video and video_preset is not preset:
        bundle.unet_video = grow_video_unet(bundle.unet_video, preset.unet, preset.text.hidden_size)
        log(f"[import] unet_video grown to {preset.name}'s video size: {count_parameters(bundle.unet_video):,} "
            "parameters, the new temporal layers the identity")
    source = {"imported_from": str(model)}

    def write(stage, modules, **extra):
        state = {k: m.state_dict() for k, m in modules.items()}
        save_checkpoint(run / f"{stage}.pt", step=0, total_steps=0, train_seconds=0.0, modules=state, ema=state,
                        optimizer=None, **source, **extra)

    write("autoencoder", {"autoencoder": bundle.autoencoder}, scaling_factor=bundle.scaling_factor)
    write("image", {"text_encoder": bundle.text_encoder, "unet": bundle.unet_image})
    if bundle.unet_video is not None:
        write("video_b", {"unet": bundle.unet_video}, num_frames=16, frame_anchor=bundle.unet_video.frame_anchor)
    if bundle.video_decoder is not None:
        write("video_decoder", {"video_decoder": bundle.video_decoder})
    log(f"[import] wrote checkpoints of {model} to {run}")


if __name__ == "__main__":
    main()
