"""Builds the networks of a preset and loads their trained (EMA) weights from a run folder.
Stage checkpoints: tokenizer.json, autoencoder.pt, image.pt (text encoder + image U-Net),
video_a.pt / video_b.pt (video U-Net, two stages), direct.pt (direct text-to-video baseline),
video_decoder.pt (optional temporal decoder, train_video_decoder)."""
from dataclasses import dataclass

import torch

from .nets.autoencoder import Autoencoder, VideoDecoder
from .nets.text_encoder import TextEncoder
from .nets.unet import UNet, VIDEO_CHANNELS, freeze_spatial
from .runs import load_checkpoint
from .tokenizer import WordTokenizer

VIDEO_STAGES = ("video_b", "video_a")  # latest first


def load_tokenizer(run) -> WordTokenizer:
    path = run / "tokenizer.json"
    if not path.exists():
        raise SystemExit(f"missing {path}: run `python3 -m firstframe_train.build_tokenizer` first")
    return WordTokenizer.load(path)


def new_text_encoder(preset, tokenizer) -> TextEncoder:
    return TextEncoder(preset.text, len(tokenizer.vocab))


def new_image_unet(preset) -> UNet:
    return UNet(preset.unet, preset.text.hidden_size)


def new_video_unet(preset) -> UNet:
    unet = UNet(preset.unet, preset.text.hidden_size, in_channels=VIDEO_CHANNELS, temporal=True)
    freeze_spatial(unet)
    return unet


def load_autoencoder(preset, run):
    ckpt = load_checkpoint(run / "autoencoder.pt")
    ae = Autoencoder(preset.autoencoder)
    ae.load_state_dict(ckpt["ema"]["autoencoder"])
    if "scaling_factor" not in ckpt:
        raise SystemExit(f"{run / 'autoencoder.pt'} has no scaling_factor: finish the autoencoder stage")
    return ae.eval().requires_grad_(False), float(ckpt["scaling_factor"])


def load_image_stage(preset, run, tokenizer):
    ckpt = load_checkpoint(run / "image.pt")
    text_encoder, unet = new_text_encoder(preset, tokenizer), new_image_unet(preset)
    text_encoder.load_state_dict(ckpt["ema"]["text_encoder"])
    unet.load_state_dict(ckpt["ema"]["unet"])
    return text_encoder.eval().requires_grad_(False), unet.eval().requires_grad_(False)


def load_video_unet(preset, run, stage: str):
    ckpt = load_checkpoint(run / f"{stage}.pt")
    unet = new_video_unet(preset)
    unet.load_state_dict(ckpt["ema"]["unet"])
    unet.set_frame_anchor(ckpt.get("frame_anchor", "own"))
    return unet.eval().requires_grad_(False)


def latest_video_stage(run):
    for stage in VIDEO_STAGES:
        if (run / f"{stage}.pt").exists():
            return stage
    return None


@dataclass
class Bundle:
    """Everything a model folder holds, as PyTorch modules (EMA weights, eval mode)."""
    preset: object
    tokenizer: WordTokenizer
    autoencoder: Autoencoder
    scaling_factor: float
    text_encoder: TextEncoder
    unet_image: UNet
    unet_video: UNet = None
    unet_direct: UNet = None
    video_stage: str = None
    video_decoder: VideoDecoder = None

    def to(self, device) -> "Bundle":
        for module in (self.autoencoder, self.text_encoder, self.unet_image, self.unet_video, self.unet_direct,
                       self.video_decoder):
            if module is not None:
                module.to(device)
        return self


def load_bundle(preset, run, need_video: bool = True) -> Bundle:
    tokenizer = load_tokenizer(run)
    ae, sf = load_autoencoder(preset, run)
    text_encoder, unet_image = load_image_stage(preset, run, tokenizer)
    stage = latest_video_stage(run)
    if need_video and stage is None:
        raise SystemExit(f"no video checkpoint in {run}: run train_video --stage a first")
    unet_video = load_video_unet(preset, run, stage) if stage else None
    unet_direct = load_video_unet(preset, run, "direct") if (run / "direct.pt").exists() else None
    video_decoder = load_video_decoder(preset, run) if (run / "video_decoder.pt").exists() else None
    return Bundle(preset, tokenizer, ae, sf, text_encoder, unet_image, unet_video, unet_direct, stage, video_decoder)


def new_video_decoder(preset) -> VideoDecoder:
    return VideoDecoder(preset.autoencoder.channels, preset.autoencoder.latent_channels)


def load_video_decoder(preset, run) -> VideoDecoder:
    decoder = new_video_decoder(preset)
    decoder.load_state_dict(load_checkpoint(run / "video_decoder.pt")["ema"]["video_decoder"])
    return decoder.eval().requires_grad_(False)


@torch.no_grad()
def measure_scaling_factor(encoder, frames) -> float:
    """1 / std of the latents of real frames (as Stable Diffusion's 0.18215 was measured)."""
    return float(1.0 / encoder(frames).std())
