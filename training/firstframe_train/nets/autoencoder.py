"""Per-frame autoencoder 64x64x3 <-> 4x16x16, deterministic (no sampling, no KL)."""
import torch.nn as nn
import torch.nn.functional as F

from .layers import ResBlock, Downsample, Upsample, TemporalBlock, norm


class Encoder(nn.Module):
    def __init__(self, channels=(32, 64), latent_channels=4):
        super().__init__()
        c0, c1 = channels
        self.conv_in = nn.Conv2d(3, c0, 3, padding=1)
        self.blocks = nn.ModuleList([ResBlock(c0, c0), Downsample(c0, c1), ResBlock(c1, c1),
                                     Downsample(c1, c1), ResBlock(c1, c1)])
        self.norm_out = norm(c1)
        self.conv_out = nn.Conv2d(c1, latent_channels, 3, padding=1)

    def forward(self, sample):
        h = self.conv_in(sample)
        for block in self.blocks:
            h = block(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, channels=(32, 64), latent_channels=4):
        super().__init__()
        c0, c1 = channels
        self.conv_in = nn.Conv2d(latent_channels, c1, 3, padding=1)
        self.blocks = nn.ModuleList([ResBlock(c1, c1), Upsample(c1, c1), ResBlock(c1, c0),
                                     Upsample(c0, c0), ResBlock(c0, c0)])
        self.norm_out = norm(c0)
        self.conv_out = nn.Conv2d(c0, 3, 3, padding=1)

    def forward(self, latent):
        h = self.conv_in(latent)
        for block in self.blocks:
            h = block(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Autoencoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = Encoder(cfg.channels, cfg.latent_channels)
        self.decoder = Decoder(cfg.channels, cfg.latent_channels)

    def forward(self, sample):
        latent = self.encoder(sample)
        return self.decoder(latent), latent


class VideoDecoder(nn.Module):
    """The per-frame decoder with temporal blocks between its stages, as Stable Video Diffusion
    fine-tunes its decoder against flicker: latents [B, C, F, h, w] -> frames [B, 3, F, H, W].
    The per-frame decoder settles each frame's shape alone, so a small object whose generated
    latents sit between two shapes flickers between them; here every frame sees the others.
    The temporal blocks start as the identity: a new VideoDecoder is the per-frame decoder."""

    TEMPORAL_AFTER = (0, 2)  # after the ResBlock at 16x16 and the one at 32x32

    def __init__(self, channels=(32, 64), latent_channels=4, heads=4):
        super().__init__()
        self.decoder = Decoder(channels, latent_channels)
        widths = {0: channels[1], 2: channels[0]}
        self.temporal = nn.ModuleDict({str(i): TemporalBlock(widths[i], heads) for i in self.TEMPORAL_AFTER})

    def forward(self, latents):
        b, c, f, h, w = latents.shape
        d = self.decoder
        x = d.conv_in(latents.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w))
        for i, block in enumerate(d.blocks):
            x = block(x)
            if str(i) in self.temporal:
                x = self.temporal[str(i)](x, f)
        out = d.conv_out(F.silu(d.norm_out(x)))
        return out.reshape(b, f, *out.shape[1:]).permute(0, 2, 1, 3, 4)
