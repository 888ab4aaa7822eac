"""Per-frame autoencoder 64x64x3 <-> 4x16x16, deterministic (no sampling, no KL)."""
import torch.nn as nn
import torch.nn.functional as F

from .layers import ResBlock, Downsample, Upsample, norm


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
