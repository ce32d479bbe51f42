"""The workloads' models, in plain torch: factories called with the data's shape.

Each factory takes the keyword arguments its workload's task provides (``input_shape`` and
``num_classes`` for classification, ``vocab_size`` for language modelling) plus the spec's
``model_args``. Initialisation is PyTorch's default, drawn from the global generator that the
runner seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn


def mlp(
    input_shape: Sequence[int], num_classes: int, hidden: Sequence[int] = (256, 256)
) -> nn.Module:
    """Fully connected ReLU network: flatten, ``hidden`` widths, linear output."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod(input_shape)
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


def simple_cnn(
    input_shape: Sequence[int],
    num_classes: int,
    channels: Sequence[int] = (32, 64),
    hidden: int = 1024,
    kernel: int = 5,
) -> nn.Module:
    """Choi et al.'s simple CNN: [conv k×k ('same', ReLU), max-pool 2×2] per entry of
    ``channels``, then a ReLU fully connected layer of ``hidden`` units and a linear output.
    The defaults are the paper's (conv5×5-32, pool, conv5×5-64, pool, fc1024, fc10)."""
    in_channels, height, width = input_shape
    layers: list[nn.Module] = []
    for out_channels in channels:
        layers += [
            nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]
        in_channels, height, width = out_channels, height // 2, width // 2
    layers += [
        nn.Flatten(),
        nn.Linear(in_channels * height * width, hidden),
        nn.ReLU(),
        nn.Linear(hidden, num_classes),
    ]
    return nn.Sequential(*layers)


class CharLSTM(nn.Module):
    """Character language model: embedding, a stacked LSTM, a linear read-out per position.

    ``forward(x, state)`` takes character ids (batch, time) and the previous (h, c) state (or
    None for zeros) and returns logits (batch, time, vocab) and the new state, so that the
    state can be carried from one batch to the next (truncated backpropagation through time).
    """

    def __init__(self, vocab_size: int, embedding: int = 128, hidden: int = 128, layers: int = 2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        output, state = self.lstm(self.embed(x), state)
        return self.out(output), state


def char_lstm(
    vocab_size: int, embedding: int = 128, hidden: int = 128, layers: int = 2
) -> CharLSTM:
    """The DeepOBS character LSTM (2 layers, 128 units, embedding 128)."""
    return CharLSTM(vocab_size, embedding, hidden, layers)
