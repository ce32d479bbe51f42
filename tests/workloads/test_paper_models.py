"""The paper's larger models: sizes against hand counts and published figures, shapes, the
option-A shortcut, dropout settings and the Transformer's causality."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from optbench.workloads.convnets import all_cnn_c, vgg16_bn
from optbench.workloads.resnets import BasicBlock, cifar_resnet, resnet50
from optbench.workloads.transformer import transformer_lm


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def conv_bn(cin: int, cout: int, k: int = 3) -> int:
    return cin * cout * k * k + 2 * cout  # no conv bias; batch norm scale and shift


def test_resnet32_has_he_et_al_s_size_with_parameter_free_shortcuts():
    stages = [(16, 16), (16, 32), (32, 64)]
    hand = conv_bn(3, 16)
    for cin, cout in stages:
        hand += conv_bn(cin, cout) + conv_bn(cout, cout)  # first block of the stage
        hand += 4 * (conv_bn(cout, cout) + conv_bn(cout, cout))  # the other four
    hand += 64 * 10 + 10
    assert count(cifar_resnet((3, 32, 32), 10)) == hand == 464_154
    model = cifar_resnet((3, 32, 32), 10)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert sum(isinstance(m, nn.Conv2d) for m in model.modules()) == 31  # + the linear: 32


def test_option_a_shortcut_subsamples_and_pads_with_zero_channels():
    block = BasicBlock(4, 8, stride=2).eval()
    nn.init.zeros_(block.body[-1].weight)  # the residual branch now outputs zero
    x = torch.randn(2, 4, 6, 6)
    expected = F.relu(torch.cat([x[:, :, ::2, ::2], torch.zeros(2, 4, 3, 3)], dim=1))
    assert torch.equal(block(x), expected)
    assert count(block) == conv_bn(4, 8) + conv_bn(8, 8)


def test_resnet50_is_torchvision_s_size_and_classifies_a_full_size_image():
    model = resnet50((3, 224, 224), 1000).eval()
    assert count(model) == 25_557_032
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_vgg16_has_thirteen_convolutions_and_cifar_torch_s_dropout():
    model = vgg16_bn((3, 32, 32), 10)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128] + [256] * 3 + [512] * 6
    rates = [m.p for m in model.modules() if isinstance(m, nn.Dropout)]
    assert rates == [0.3] + [0.4] * 7 + [0.5, 0.5]
    hand = sum(c.in_channels * c.out_channels * 9 + 3 * c.out_channels for c in convs)
    hand += (512 * 512 + 512) + 2 * 512 + (512 * 10 + 10)
    assert count(model) == hand == 14_991_946
    other = vgg16_bn((3, 32, 32), 10, first_dropout=0.0, conv_dropout=0.1, classifier_dropout=0.2)
    rates = [m.p for m in other.modules() if isinstance(m, nn.Dropout)]
    assert rates == [0.0] + [0.1] * 7 + [0.2, 0.2]


def test_all_cnn_c_is_springenberg_s_network_with_deepobs_settings():
    model = all_cnn_c((3, 32, 32), 100)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    shapes = [(c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs]
    assert shapes == [
        (96, 3, 1), (96, 3, 1), (96, 3, 2), (192, 3, 1), (192, 3, 1), (192, 3, 2),
        (192, 3, 1), (192, 1, 1), (100, 1, 1),
    ]  # fmt: skip
    assert [m.p for m in model.modules() if isinstance(m, nn.Dropout)] == [0.2, 0.5, 0.5]
    assert count(model) == 1_387_108
    assert all(torch.all(c.bias == 0.1) for c in convs)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 100)


def test_transformer_size_formula_and_causality():
    v, c, layers, d = 32_768, 256, 6, 512
    assert count(transformer_lm(v, c)) == v * d + c * d + layers * (12 * d * d + 13 * d) + 2 * d
    torch.manual_seed(0)
    model = transformer_lm(50, 12, layers=2, width=16, heads=4).eval()
    x = torch.randint(50, (2, 12))
    changed = x.clone()
    changed[:, 7:] = (changed[:, 7:] + 1) % 50
    with torch.no_grad():
        a, b = model(x), model(changed)
    assert a.shape == (2, 12, 50)
    assert torch.allclose(a[:, :7], b[:, :7], atol=1e-6) and not torch.allclose(a[:, 7], b[:, 7])
