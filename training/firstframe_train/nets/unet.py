"""Latent U-Net for 16x16 latents. The same class builds
- the text-to-image U-Net (`temporal=False`, 4 input channels, sample [B, 4, 16, 16]) and
- the image-to-video U-Net (`temporal=True`, 9 input channels, sample [B, 9, F, 16, 16]):
  the image U-Net's spatial layers run on every frame ([B*F, C, H, W]) and a TemporalBlock
  follows every ResBlock. Spatial parameter names are identical in both, so the video U-Net
  loads the image U-Net's weights directly (see `video_unet_from_image_unet`)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import ResBlock, Downsample, Upsample, SpatialTransformer, TemporalBlock, norm, timestep_embedding

IMAGE_CHANNELS = 4
VIDEO_CHANNELS = 9  # noisy latent 4 + first-frame latent 4 + mask 1 (docs/model-format.md)


class UNet(nn.Module):
    def __init__(self, cfg, context_dim: int, in_channels: int = IMAGE_CHANNELS, temporal: bool = False):
        super().__init__()
        ch, levels = cfg.channels, len(cfg.channels)
        self.base_channels, self.temporal_enabled = ch[0], temporal
        emb_dim = ch[0] * 4
        self.time_embed = nn.Sequential(nn.Linear(ch[0], emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.conv_in = nn.Conv2d(in_channels, ch[0], 3, padding=1)

        def cell(in_ch, out_ch, level):
            layers = [ResBlock(in_ch, out_ch, emb_dim)]
            if cfg.attention[level]:
                layers.append(SpatialTransformer(out_ch, cfg.heads, context_dim))
            return layers

        self.down, skip_channels, cur = nn.ModuleList(), [ch[0]], ch[0]
        for level, c in enumerate(ch):
            self.down.append(nn.ModuleList(cell(cur, c, level)))
            cur = c
            skip_channels.append(c)
            if level < levels - 1:
                self.down.append(nn.ModuleList([Downsample(c, c)]))
                skip_channels.append(c)
        self.mid = nn.ModuleList([ResBlock(cur, cur, emb_dim), SpatialTransformer(cur, cfg.heads, context_dim),
                                  ResBlock(cur, cur, emb_dim)])
        self.up = nn.ModuleList()
        for level in reversed(range(levels)):
            for i in range(2):
                layers = cell(cur + skip_channels.pop(), ch[level], level)
                cur = ch[level]
                if level > 0 and i == 1:
                    layers.append(Upsample(cur, cur))
                self.up.append(nn.ModuleList(layers))
        self.norm_out = norm(cur)
        self.conv_out = nn.Conv2d(cur, IMAGE_CHANNELS, 3, padding=1)

        # Temporal blocks follow every ResBlock (and, with cfg.temporal_after_attention, every
        # SpatialTransformer), cfg.temporal_depth of them in a row. The first after layer j of a
        # cell is `temporal.<cell>_<j>`, as in every model before the video sizes existed, the k-th
        # more `temporal.<cell>_<j>_<k>`: a grown U-Net loads a smaller one's weights by name.
        self.temporal = nn.ModuleDict()
        self._temporal_keys = {}
        if temporal:
            kinds = (ResBlock, SpatialTransformer) if cfg.temporal_after_attention else (ResBlock,)
            for name, cells in self._cells():
                for j, layer in enumerate(cells):
                    if isinstance(layer, kinds):
                        out_ch = (layer.conv2 if isinstance(layer, ResBlock) else layer.proj_out).out_channels
                        keys = [f"{name}_{j}"] + [f"{name}_{j}_{k}" for k in range(1, cfg.temporal_depth)]
                        for key in keys:
                            self.temporal[key] = TemporalBlock(
                                out_ch, cfg.temporal_heads, context_dim if cfg.temporal_text else None,
                                cfg.temporal_ff)
                        self._temporal_keys[(name, j)] = keys

    def temporal_keys(self, name: str, j: int) -> list:
        """The temporal blocks that follow layer j of cell `name`, in order (none in an image U-Net)."""
        return self._temporal_keys.get((name, j), [])

    @property
    def frame_anchor(self) -> str:
        return next((m.frame_anchor for m in self.modules() if isinstance(m, SpatialTransformer)), "own")

    def set_frame_anchor(self, anchor: str) -> None:
        """Keys of every spatial self-attention (SpatialTransformer.frame_anchor); video U-Nets only."""
        for module in self.modules():
            if isinstance(module, SpatialTransformer):
                module.frame_anchor = anchor

    def _cells(self):
        yield from ((f"down{i}", c) for i, c in enumerate(self.down))
        yield "mid", self.mid
        yield from ((f"up{i}", c) for i, c in enumerate(self.up))

    def _run(self, name, layers, h, emb, context, num_frames):
        for j, layer in enumerate(layers):
            if isinstance(layer, SpatialTransformer):
                h = layer(h, emb, context, num_frames)
            else:
                h = layer(h, emb, context)
            for key in self.temporal_keys(name, j):
                h = self.temporal[key](h, num_frames, context)
        return h

    def forward(self, sample, timestep, encoder_hidden_states):
        emb = self.time_embed(timestep_embedding(timestep, self.base_channels))
        context, num_frames = encoder_hidden_states, None
        x = sample
        if self.temporal_enabled:
            b, c, num_frames, hh, ww = sample.shape
            x = sample.permute(0, 2, 1, 3, 4).reshape(-1, c, hh, ww)  # frame index = b * F + f
            emb = emb[:, None].expand(-1, num_frames, -1).reshape(-1, emb.shape[-1])
            context = context[:, None].expand(-1, num_frames, -1, -1).reshape(
                -1, context.shape[1], context.shape[2])
        h = self.conv_in(x)
        skips = [h]
        for i, layers in enumerate(self.down):
            h = self._run(f"down{i}", layers, h, emb, context, num_frames)
            skips.append(h)
        h = self._run("mid", self.mid, h, emb, context, num_frames)
        for i, layers in enumerate(self.up):
            h = self._run(f"up{i}", layers, torch.cat([h, skips.pop()], dim=1), emb, context, num_frames)
        out = self.conv_out(F.silu(self.norm_out(h)))
        if self.temporal_enabled:
            out = out.reshape(b, num_frames, IMAGE_CHANNELS, hh, ww).permute(0, 2, 1, 3, 4)
        return out


def video_unet_from_image_unet(image_unet: UNet, cfg, context_dim: int) -> UNet:
    """Builds the video U-Net from a trained image U-Net: spatial layers copied and frozen,
    temporal blocks new (identity at init), input conv widened from 4 to 9 channels with the
    new channels zero so the network starts out equal to the image U-Net on every frame.
    Trainable afterwards: `temporal.*` and `conv_in.*` (see `trainable_video_parameters`)."""
    video = UNet(cfg, context_dim, in_channels=VIDEO_CHANNELS, temporal=True)
    state = dict(image_unet.state_dict())
    old_in = state.pop("conv_in.weight")
    new_in = torch.zeros_like(video.conv_in.weight)
    new_in[:, :IMAGE_CHANNELS] = old_in
    state["conv_in.weight"] = new_in
    missing, unexpected = video.load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith("temporal.") for k in missing), (missing, unexpected)
    freeze_spatial(video)
    return video


def grow_video_unet(small: UNet, cfg, context_dim: int) -> UNet:
    """A video U-Net of `cfg` (a video size: more or bigger temporal blocks, config.VIDEO_SIZES)
    holding every weight of `small`, a video U-Net of the same spatial channels: the temporal
    blocks `small` has keep their trained weights, the new ones and new feed-forwards start as
    the identity (zero-initialised outputs), so the grown U-Net computes what `small` computes and
    training goes on from there. Trainable as `small` after video_unet_from_image_unet."""
    grown = UNet(cfg, context_dim, in_channels=small.conv_in.in_channels, temporal=True)
    missing, unexpected = grown.load_state_dict(small.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("temporal.") for k in missing), (missing, unexpected)
    grown.set_frame_anchor(small.frame_anchor)
    freeze_spatial(grown)
    return grown


def is_trainable_in_video(name: str) -> bool:
    return name.startswith("temporal.") or name.startswith("conv_in.")


def freeze_spatial(video: UNet) -> None:
    for name, p in video.named_parameters():
        p.requires_grad_(is_trainable_in_video(name))


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
