"""Small transformer text encoder: token + position embeddings, pre-norm blocks, final norm."""
import torch
import torch.nn as nn

from .layers import Attention, FeedForward


class TextBlock(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.ln2, self.ff = nn.LayerNorm(dim), FeedForward(dim)

    def forward(self, x, bias):
        x = x + self.attn(self.ln1(x), bias=bias)
        return x + self.ff(self.ln2(x))


class TextEncoder(nn.Module):
    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, cfg.hidden_size)
        self.position_embedding = nn.Parameter(torch.randn(cfg.max_length, cfg.hidden_size) * 0.02)
        self.blocks = nn.ModuleList([TextBlock(cfg.hidden_size, cfg.heads) for _ in range(cfg.layers)])
        self.final_norm = nn.LayerNorm(cfg.hidden_size)

    def forward(self, input_ids, attention_mask):
        x = self.token_embedding(input_ids) + self.position_embedding[None]
        # Padding keys get a large negative score. An all-padding row (the empty prompt) then
        # attends uniformly instead of producing NaN, so "" has a well-defined embedding.
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -1e4
        for block in self.blocks:
            x = block(x, bias)
        return self.final_norm(x)
