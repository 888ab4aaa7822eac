"""Building blocks shared by the autoencoder and the U-Nets. Attention is written out with
matmul + softmax (not nn.MultiheadAttention) so the ONNX export is plain and predictable."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(8, channels, eps=1e-5)


def timestep_embedding(timesteps: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of float timesteps [N] -> [N, dim]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=timesteps.device) / half)
    args = timesteps.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def zero_module(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class ResBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, emb_dim: int = None):
        super().__init__()
        self.norm1, self.conv1 = norm(in_ch), nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb_proj = nn.Linear(emb_dim, out_ch) if emb_dim else None
        self.norm2, self.conv2 = norm(out_ch), nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x, emb=None, context=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.emb_proj is not None:
            h = h + self.emb_proj(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class Downsample(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1)

    def forward(self, x, emb=None, context=None):
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, padding=1)

    def forward(self, x, emb=None, context=None):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Attention(nn.Module):
    """Multi-head attention over tokens [N, T, C]; cross-attention when `context` is given.
    `bias` is an additive mask broadcastable to [N, heads, T, S]."""

    def __init__(self, dim: int, heads: int, context_dim: int = None):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def _split(self, t):
        return t.reshape(t.shape[0], t.shape[1], self.heads, -1).transpose(1, 2)

    def forward(self, x, context=None, bias=None):
        context = x if context is None else context
        q, k, v = self._split(self.to_q(x)), self._split(self.to_k(context)), self._split(self.to_v(context))
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        if bias is not None:
            scores = scores + bias
        out = torch.matmul(scores.softmax(dim=-1), v).transpose(1, 2)
        return self.to_out(out.reshape(out.shape[0], out.shape[1], -1))


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, dim * mult), nn.GELU(), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(x)


FRAME_ANCHORS = ("own", "own+first", "first")


def anchored_keys(tokens, num_frames, anchor):
    """Keys/values for self-attention over per-frame tokens [B*F, T, C]; None means the frame's own."""
    if anchor == "own" or num_frames is None:
        return None
    first = tokens.reshape(-1, num_frames, *tokens.shape[1:])[:, :1].expand(-1, num_frames, -1, -1)
    first = first.reshape(tokens.shape)
    if anchor == "first":
        return first
    if anchor == "own+first":
        return torch.cat([tokens, first], dim=1)
    raise ValueError(f"unknown frame anchor {anchor!r}: one of {', '.join(FRAME_ANCHORS)}")


class SpatialTransformer(nn.Module):
    """Self-attention, cross-attention to text, feed-forward over the H*W positions."""

    def __init__(self, channels: int, heads: int, context_dim: int):
        super().__init__()
        self.norm = norm(channels)
        self.proj_in = nn.Conv2d(channels, channels, 1)
        self.ln1, self.self_attn = nn.LayerNorm(channels), Attention(channels, heads)
        self.ln2, self.cross_attn = nn.LayerNorm(channels), Attention(channels, heads, context_dim)
        self.ln3, self.ff = nn.LayerNorm(channels), FeedForward(channels)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    # Where self-attention takes its keys and values in a video U-Net (frames stacked as [B*F, ...]):
    # "own" frame (per-frame, as the image U-Net), or "own+first": the frame's own tokens and the
    # first frame's, so every frame can copy what the first frame drew (ConsistI2V's first-frame
    # spatial attention; "first" alone is Text2Video-Zero's training-free cross-frame attention).
    frame_anchor = "own"

    def forward(self, x, emb=None, context=None, num_frames=None):
        n, c, h, w = x.shape
        t = self.proj_in(self.norm(x)).reshape(n, c, -1).transpose(1, 2)
        normed = self.ln1(t)
        t = t + self.self_attn(normed, anchored_keys(normed, num_frames, self.frame_anchor))
        t = t + self.cross_attn(self.ln2(t), context)
        t = t + self.ff(self.ln3(t))
        return x + self.proj_out(t.transpose(1, 2).reshape(n, c, h, w))


class TemporalBlock(nn.Module):
    """Cross-attention to the text, temporal 1-D convolution, temporal self-attention, on frames
    stacked as [B*F, C, H, W]. Every branch ends in a zero-initialised projection, so a new block
    is the identity and the video U-Net starts out equal to the image U-Net applied per frame.
    The text branch is the video model's own way to read the caption: the frozen spatial
    cross-attention was trained on first frames, where motion words change nothing, so it
    learned to ignore them."""

    def __init__(self, channels: int, heads: int, context_dim: int = None, ff_mult: int = 0):
        super().__init__()
        self.text_norm = nn.LayerNorm(channels) if context_dim else None
        self.text_attn = Attention(channels, heads, context_dim) if context_dim else None
        if self.text_attn is not None:
            zero_module(self.text_attn.to_out)
        self.conv_norm = norm(channels)
        self.conv = zero_module(nn.Conv3d(channels, channels, (3, 1, 1), padding=(1, 0, 0)))
        self.attn_norm = nn.LayerNorm(channels)
        self.attn = Attention(channels, heads)
        zero_module(self.attn.to_out)
        # optional feed-forward over each token after the frame attention (a temporal transformer
        # block's MLP, as VideoLDM's), zero-initialised last layer: still the identity when new
        self.ff_norm = nn.LayerNorm(channels) if ff_mult else None
        self.ff = FeedForward(channels, ff_mult) if ff_mult else None
        if self.ff is not None:
            zero_module(self.ff.net[-1])

    def forward(self, x, num_frames, context=None):
        bf, c, h, w = x.shape
        if self.text_attn is not None:
            # [B*F, H*W, C] queries, per-frame text [B*F, L, D] as keys and values
            t = x.reshape(bf, c, h * w).transpose(1, 2)
            t = t + self.text_attn(self.text_norm(t), context)
            x = t.transpose(1, 2).reshape(bf, c, h, w)
        # [B*F, C, H, W] -> [B, C, F, H, W] for the temporal conv
        v = x.reshape(-1, num_frames, c, h, w).permute(0, 2, 1, 3, 4)
        v = v + self.conv(F.silu(self.conv_norm(v)))
        # -> [B*H*W, F, C] for attention over frames, with a sinusoidal frame position
        t = v.permute(0, 3, 4, 2, 1).reshape(-1, num_frames, c)
        frame_pos = timestep_embedding(torch.arange(num_frames, device=x.device).float(), c)
        t = t + self.attn(self.attn_norm(t + frame_pos[None]))
        if self.ff is not None:
            t = t + self.ff(self.ff_norm(t))
        # back to [B*F, C, H, W]
        return t.reshape(-1, h, w, num_frames, c).permute(0, 3, 4, 1, 2).reshape(bf, c, h, w)
