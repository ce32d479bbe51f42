"""A decoder-only Transformer language model in plain torch (Vaswani et al. 2017's layers,
arranged as GPT-2, Radford et al. 2019: pre-norm blocks, learned positions, tied embeddings).

For token ids x (B, T), T ≤ ``context``:

    h_0 = dropout(E[x] + P[:T])                                  E (V, d), P (context, d)
    h_l = h_{l-1} + dropout(Attn(LN(h_{l-1})))                   causal, ``heads`` heads
    h_l = h_l + dropout(W_2 · GELU(W_1 · LN(h_l)))               W_1 (d, 4d), W_2 (4d, d)
    logits = LN(h_L) · Eᵀ                                        (B, T, V)

Attention is ``torch.nn.functional.scaled_dot_product_attention`` with a causal mask (fused
kernels on GPUs), with dropout ``dropout`` on its weights while training. Weights are drawn
from N(0, 0.02²), the residual output projections from N(0, 0.02²/(2L)) (GPT-2), biases 0.

The default size (:data:`DEFAULT_SIZE`: 6 layers, width 512, 8 heads, context 256, with a
32 768-token vocabulary) has 35.8 M parameters, 16.8 M of them in the tied embedding.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from optbench.errors import InvalidParameterError

DEFAULT_SIZE = {"layers": 6, "width": 512, "heads": 8}


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions ≤ t."""

    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, time, width = x.shape
        q, k, v = self.qkv(x).view(batch, time, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(batch, time, width))


class Block(nn.Module):
    """One pre-norm Transformer layer: attention then a 4×-wide GELU feed-forward layer."""

    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attention = CausalSelfAttention(width, heads, dropout)
        self.feed_forward = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width)
        )
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.attention(self.norm1(x)))
        return x + self.drop(self.feed_forward(self.norm2(x)))


class TransformerLM(nn.Module):
    """Decoder-only Transformer: ``forward(x)`` maps ids (B, T) to next-token logits
    (B, T, vocab_size)."""

    def __init__(
        self,
        vocab_size: int,
        context: int,
        layers: int = 6,
        width: int = 512,
        heads: int = 8,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if width % heads:
            raise InvalidParameterError("heads", heads, f"a divisor of width={width}")
        self.context = context
        self.embed = nn.Embedding(vocab_size, width)
        self.position = nn.Embedding(context, width)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(width, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        for name, parameter in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(parameter)
            elif parameter.ndim >= 2:
                residual = name.endswith(("attention.out.weight", "feed_forward.2.weight"))
                std = 0.02 / math.sqrt(2 * layers) if residual else 0.02
                nn.init.normal_(parameter, 0.0, std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(x.shape[1], device=x.device)
        h = self.drop(self.embed(x) + self.position(positions))
        for block in self.blocks:
            h = block(h)
        return self.norm(h) @ self.embed.weight.T


def transformer_lm(
    vocab_size: int,
    context: int,
    layers: int = 6,
    width: int = 512,
    heads: int = 8,
    dropout: float = 0.1,
) -> TransformerLM:
    """The language model of ``lm_transformer`` (see the module for its size)."""
    return TransformerLM(vocab_size, context, layers, width, heads, dropout)
