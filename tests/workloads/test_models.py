"""Model shapes and sizes, checked against hand counts."""

from __future__ import annotations

import torch

from optbench.workloads import char_lstm, mlp, simple_cnn


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_simple_cnn_has_the_papers_parameter_count():
    conv1 = 32 * 1 * 5 * 5 + 32
    conv2 = 64 * 32 * 5 * 5 + 64
    fc1 = 7 * 7 * 64 * 1024 + 1024
    fc2 = 1024 * 10 + 10
    model = simple_cnn((1, 28, 28), 10)
    assert count(model) == conv1 + conv2 + fc1 + fc2 == 3_274_634
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_small_cnn_and_mlp_sizes():
    small = simple_cnn((1, 28, 28), 10, channels=(16, 32), hidden=128)
    assert count(small) == (16 * 25 + 16) + (32 * 16 * 25 + 32) + (7 * 7 * 32 * 128 + 128) + 1290
    assert count(mlp((1, 28, 28), 10)) == 784 * 256 + 256 + 256 * 256 + 256 + 2570


def test_char_lstm_carries_state():
    torch.manual_seed(0)
    model = char_lstm(vocab_size=30)
    x = torch.randint(30, (2, 10))
    whole, _ = model(x)
    first, state = model(x[:, :4])
    second, _ = model(x[:, 4:], state)
    assert torch.allclose(torch.cat([first, second], dim=1), whole, atol=1e-6)
    assert whole.shape == (2, 10, 30) and state[0].shape == (2, 2, 128)
