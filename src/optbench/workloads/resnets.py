"""Residual networks in plain torch: He et al.'s CIFAR ResNets and ImageNet ResNet-50.

- :func:`cifar_resnet` (He et al. 2016, §4.2): a 3×3 convolution to 16 channels, three stages
  of ``blocks`` basic blocks (two 3×3 convolutions, batch norm, ReLU) at 16, 32 and 64
  channels, the last two stages starting with stride 2, global average pooling and a linear
  layer: 6·blocks + 2 layers (blocks = 5: ResNet-32). Shortcuts are **option A**, the one He
  et al. used on CIFAR: identity, and where the shape changes, subsampling by 2 and zero
  channels appended, so the shortcuts have no parameters (ResNet-32: 464 154 parameters
  with 10 classes).
- :func:`resnet50` (He et al. 2016, Table 1, as torchvision builds it, "v1.5"): a 7×7/2
  convolution, 3×3/2 max pooling, four stages of 3, 4, 6, 3 bottleneck blocks
  (1×1, 3×3, 1×1 convolutions, 4× expansion; the stride on the 3×3) at 64, 128, 256 and 512
  base widths, projection shortcuts (1×1 convolution and batch norm) where the shape changes,
  global average pooling and a linear layer: 25 557 032 parameters with 1000 classes.

Convolutions are initialised as He et al. (Kaiming normal, fan-out) and batch norms at
scale 1, shift 0, as torchvision does; linear layers keep PyTorch's default.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F


def _init(model: nn.Module) -> nn.Module:
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    return model


def _conv_bn(cin: int, cout: int, kernel: int, stride: int = 1) -> list[nn.Module]:
    conv = nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, bias=False)
    return [conv, nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    """relu(bn(conv3×3(relu(bn(conv3×3(x))))) + shortcut(x)) with an option-A shortcut."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            *_conv_bn(cin, cout, 3, stride), nn.ReLU(inplace=True), *_conv_bn(cout, cout, 3)
        )
        self.stride, self.extra = stride, cout - cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x[:, :, :: self.stride, :: self.stride] if self.stride > 1 else x
        if self.extra:
            shortcut = F.pad(shortcut, (0, 0, 0, 0, 0, self.extra))
        return F.relu(self.body(x) + shortcut)


def cifar_resnet(
    input_shape: Sequence[int],
    num_classes: int,
    blocks: int = 5,
    widths: Sequence[int] = (16, 32, 64),
) -> nn.Module:
    """He et al.'s CIFAR ResNet with ``blocks`` blocks per stage (5: ResNet-32)."""
    layers: list[nn.Module] = [*_conv_bn(input_shape[0], widths[0], 3), nn.ReLU(inplace=True)]
    cin = widths[0]
    for stage, width in enumerate(widths):
        for block in range(blocks):
            layers.append(BasicBlock(cin, width, 2 if stage > 0 and block == 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return _init(nn.Sequential(*layers))


class Bottleneck(nn.Module):
    """relu(bn(conv1×1(relu(bn(conv3×3/s(relu(bn(conv1×1(x))))))) + shortcut(x)); the
    shortcut projects (1×1/s convolution, batch norm) when the shape changes."""

    def __init__(self, cin: int, width: int, stride: int, expansion: int = 4) -> None:
        super().__init__()
        cout = width * expansion
        self.body = nn.Sequential(
            *_conv_bn(cin, width, 1),
            nn.ReLU(inplace=True),
            *_conv_bn(width, width, 3, stride),
            nn.ReLU(inplace=True),
            *_conv_bn(width, cout, 1),
        )
        changes = stride != 1 or cin != cout
        self.shortcut = nn.Sequential(*_conv_bn(cin, cout, 1, stride)) if changes else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.shortcut is None else self.shortcut(x)
        return F.relu(self.body(x) + shortcut)


def resnet50(
    input_shape: Sequence[int],
    num_classes: int,
    layers: Sequence[int] = (3, 4, 6, 3),
    width: int = 64,
) -> nn.Module:
    """ResNet-50 (``layers`` bottleneck blocks per stage, base ``width``); other ``layers``
    give the family (3, 4, 23, 3: ResNet-101)."""
    stem = [*_conv_bn(input_shape[0], width, 7, 2), nn.ReLU(inplace=True)]
    modules: list[nn.Module] = [*stem, nn.MaxPool2d(3, 2, padding=1)]
    cin = width
    for stage, count in enumerate(layers):
        for block in range(count):
            stride = 2 if stage > 0 and block == 0 else 1
            modules.append(Bottleneck(cin, width * 2**stage, stride))
            cin = width * 2**stage * 4
    modules += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return _init(nn.Sequential(*modules))
