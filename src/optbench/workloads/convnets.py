"""Plain convolutional networks for CIFAR: VGG-16 with batch norm and All-CNN-C.

- :func:`vgg16_bn` — VGG-16 (Simonyan & Zisserman 2015, configuration D) for 32×32 inputs with
  batch norm and dropout, as Zagoruyko's ``cifar.torch`` ``vgg_bn_drop`` builds it (the network
  Wilson et al. 2017 trained on CIFAR-10): thirteen 3×3 convolutions (64, 64, pool, 128, 128,
  pool, 256 ×3, pool, 512 ×3, pool, 512 ×3, pool), each followed by batch norm and ReLU, with
  dropout ``first_dropout`` (0.3) after the first convolution and ``conv_dropout`` (0.4) after
  every other convolution that is not the last of its group; then dropout 0.5, linear
  512→512, batch norm, ReLU, dropout 0.5, linear 512→classes (15.0 M parameters).
- :func:`all_cnn_c` — All-CNN-C (Springenberg et al. 2015, Table 2) as DeepOBS's
  ``cifar100_allcnnc`` builds it: dropout 0.2 on the input; 3×3 convolutions 96, 96, 96/2;
  dropout 0.5; 192, 192, 192/2; dropout 0.5; 192 (3×3, no padding), 192 (1×1), classes
  (1×1), each followed by ReLU; global average pooling (1.39 M parameters with 100 classes).
  DeepOBS initialises the kernels Xavier-normal and the biases at 0.1, and regularises with
  L2 5e-4 (a task parameter here, :class:`~optbench.workloads.cifar.CifarClassification`).

The dropout rates are constructor arguments so that a search space can tune them.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

# VGG-16 (configuration D): output channels of each 3×3 convolution, "M" a 2×2 max pooling.
VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def vgg16_bn(
    input_shape: Sequence[int],
    num_classes: int,
    first_dropout: float = 0.3,
    conv_dropout: float = 0.4,
    classifier_dropout: float = 0.5,
    width: float = 1.0,
) -> nn.Module:
    """VGG-16 with batch norm and dropout for CIFAR (see the module). ``width`` scales every
    layer's channels (1.0: the published network)."""
    layers: list[nn.Module] = []
    cin, first = input_shape[0], True
    config = list(VGG16)
    for position, entry in enumerate(config):
        if entry == "M":
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            continue
        cout = max(1, round(entry * width))
        layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU()]
        last_of_group = config[position + 1] == "M"
        if first:
            layers.append(nn.Dropout(first_dropout))
        elif not last_of_group:
            layers.append(nn.Dropout(conv_dropout))
        cin, first = cout, False
    hidden = max(1, round(512 * width))
    layers += [
        nn.Flatten(),
        nn.Dropout(classifier_dropout),
        nn.Linear(cin, hidden),
        nn.BatchNorm1d(hidden),
        nn.ReLU(),
        nn.Dropout(classifier_dropout),
        nn.Linear(hidden, num_classes),
    ]
    return nn.Sequential(*layers)


def all_cnn_c(
    input_shape: Sequence[int],
    num_classes: int,
    input_dropout: float = 0.2,
    dropout: float = 0.5,
    widths: Sequence[int] = (96, 192),
) -> nn.Module:
    """All-CNN-C with DeepOBS's dropout and initialisation (see the module)."""
    narrow, wide = widths

    def conv(cin: int, cout: int, kernel: int = 3, stride: int = 1, pad: int = 1) -> list:
        return [nn.Conv2d(cin, cout, kernel, stride, padding=pad), nn.ReLU()]

    layers = [
        nn.Dropout(input_dropout),
        *conv(input_shape[0], narrow),
        *conv(narrow, narrow),
        *conv(narrow, narrow, stride=2),
        nn.Dropout(dropout),
        *conv(narrow, wide),
        *conv(wide, wide),
        *conv(wide, wide, stride=2),
        nn.Dropout(dropout),
        *conv(wide, wide, pad=0),
        *conv(wide, wide, kernel=1, pad=0),
        *conv(wide, num_classes, kernel=1, pad=0),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    ]
    model = nn.Sequential(*layers)
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.xavier_normal_(module.weight)
            nn.init.constant_(module.bias, 0.1)
    return model
