"""Model and training presets. `tiny` is for tests, `cpu` is the shipped default model,
`gpu` is a bigger model trained by the same code when CUDA is present."""
from dataclasses import dataclass, field, asdict, replace


@dataclass(frozen=True)
class AutoencoderConfig:
    channels: tuple = (32, 64)      # 64x64 -> 32x32 -> 16x16
    latent_channels: int = 4


@dataclass(frozen=True)
class TextConfig:
    hidden_size: int = 64
    layers: int = 2
    heads: int = 4
    max_length: int = 24


@dataclass(frozen=True)
class UNetConfig:
    channels: tuple = (64, 128, 128)             # latent 16x16 -> 8x8 -> 4x4
    attention: tuple = (False, True, True)       # spatial transformer (self + cross) per level
    heads: int = 4
    temporal_heads: int = 4
    temporal_text: bool = True                   # temporal blocks cross-attend to the text (see TemporalBlock)
    # The video U-Net's own size (VIDEO_SIZES); the image U-Net ignores these three.
    temporal_depth: int = 1                      # temporal blocks in a row after each layer that has them
    temporal_ff: int = 0                         # feed-forward width multiple in each temporal block (0: none)
    temporal_after_attention: bool = False       # temporal blocks after the spatial transformers too


@dataclass(frozen=True)
class StageConfig:
    steps: int
    batch_size: int
    lr: float
    num_frames: int = 1          # video stages only
    text_dropout: float = 0.1
    image_dropout: float = 0.1   # video stages only


@dataclass(frozen=True)
class Preset:
    name: str
    autoencoder: AutoencoderConfig
    text: TextConfig
    unet: UNetConfig
    train_autoencoder: StageConfig
    train_image: StageConfig
    train_video_a: StageConfig
    train_video_b: StageConfig
    seed: int = 0

    def stage(self, name: str) -> StageConfig:
        return getattr(self, "train_" + name)

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS = {
    "tiny": Preset(
        name="tiny",
        autoencoder=AutoencoderConfig(channels=(8, 16)),
        text=TextConfig(hidden_size=32, layers=1, heads=2),
        unet=UNetConfig(channels=(8, 16), attention=(False, True), heads=2, temporal_heads=2),
        train_autoencoder=StageConfig(steps=4, batch_size=8, lr=2e-3),
        train_image=StageConfig(steps=4, batch_size=8, lr=1e-3),
        train_video_a=StageConfig(steps=2, batch_size=2, lr=1e-3, num_frames=4),
        train_video_b=StageConfig(steps=2, batch_size=2, lr=1e-3, num_frames=8),
    ),
    "cpu": Preset(
        name="cpu",
        autoencoder=AutoencoderConfig(channels=(32, 64)),
        text=TextConfig(hidden_size=64, layers=2, heads=4),
        unet=UNetConfig(channels=(48, 96, 96)),  # ~32 MB exported in all
        train_autoencoder=StageConfig(steps=1500, batch_size=32, lr=1e-3),
        train_image=StageConfig(steps=20000, batch_size=32, lr=4e-4),
        train_video_a=StageConfig(steps=10000, batch_size=4, lr=3e-4, num_frames=8),
        train_video_b=StageConfig(steps=5000, batch_size=3, lr=2e-4, num_frames=16),
    ),
    "gpu": Preset(
        name="gpu",
        autoencoder=AutoencoderConfig(channels=(64, 128)),
        text=TextConfig(hidden_size=128, layers=4, heads=4),
        unet=UNetConfig(channels=(128, 256, 256), heads=8, temporal_heads=8),
        train_autoencoder=StageConfig(steps=10000, batch_size=128, lr=1e-3),
        train_image=StageConfig(steps=50000, batch_size=256, lr=2e-4),
        train_video_a=StageConfig(steps=20000, batch_size=32, lr=2e-4, num_frames=8),
        train_video_b=StageConfig(steps=20000, batch_size=16, lr=1e-4, num_frames=16),
    ),
}


# The shipped architecture (`cpu`) with the batch sizes and learning rates of a GPU run
# (training/device_run.sh); steps are caps, the run's --minutes decide where it stops.
# At image 256 / video_b 32 x 16 (shapes-v2) one stage kept an H200 only 20-45 % busy (Python and
# launch overhead of a small U-Net); at 1024 / 64 x 16 with the stages side by side
# (device_run.sh PARALLEL=1) it was 89-100 % busy at 0.15-0.24 s/step (shapes-v3).
PRESETS["cpu_on_gpu"] = replace(
    PRESETS["cpu"], name="cpu_on_gpu",
    train_image=StageConfig(steps=60000, batch_size=1024, lr=5e-4),
    train_video_a=StageConfig(steps=30000, batch_size=64, lr=4e-4, num_frames=8),
    train_video_b=StageConfig(steps=20000, batch_size=64, lr=2e-4, num_frames=16),
)


# Video U-Net sizes (issue 28): a preset named `<preset>-<size>` is the preset with its video
# U-Net grown by the size's temporal layers; its spatial layers, image U-Net, text encoder and
# autoencoder stay the preset's, so the spatial layers still come from the text-to-image U-Net and
# a shipped model of the preset imports into it (import_model: the new temporal layers start as
# the identity, nets/unet.grow_video_unet). `budget8s` is the largest measured whose 16-frame video
# fits the 8 s budget on 2 cores with 10 % margin: a temporal block after every spatial transformer
# too, and a feed-forward 12x wide in every temporal block; 8.5 M parameters against shapes-v8's
# 4.3 M, 1.7-2.0x its time per video U-Net call (training/experiments/19-video-unet-sizing.md).
VIDEO_SIZES = {
    "budget8s": dict(temporal_after_attention=True, temporal_ff=12),
}


def with_video_size(preset: Preset, size: str) -> Preset:
    if size not in VIDEO_SIZES:
        raise SystemExit(f"unknown video size {size!r}; allowed: {', '.join(VIDEO_SIZES)}")
    return replace(preset, name=f"{preset.name}-{size}", unet=replace(preset.unet, **VIDEO_SIZES[size]))


def without_video_size(preset: Preset) -> Preset:
    """The preset a `<preset>-<size>` grew from (itself when it has no video size)."""
    base, _, size = preset.name.partition("-")
    return PRESETS[base] if size else preset


def get_preset(name: str) -> Preset:
    base, _, size = name.partition("-")
    if base not in PRESETS:
        raise SystemExit(f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}, each optionally "
                         f"-<video size> ({', '.join(VIDEO_SIZES)})")
    return with_video_size(PRESETS[base], size) if size else PRESETS[base]


# Fixed by the model-folder contract (docs/model-format.md) and the shapes world.
IMAGE_SIZE = 64
LATENT_SIZE = 16
VIDEO_FRAMES = 16
VIDEO_FPS = 8
