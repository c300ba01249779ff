"""MCUNet-in1 in PyTorch, laid out and named as the MCUNet zoo (mit-han-lab/mcunet) lays it out.

Dev-time only (Debian's python3-torch): the PyTorch fixtures (make-torch-fixtures.py) and the
pretraining of the shipped checkpoint (pretrain-mcunet.py) build the model from here.
"""
from collections import OrderedDict

import torch.nn as nn

# MCUNet-in1 as the MCUNet zoo (mit-han-lab/mcunet, ProxylessNASNets) lays it out: `first_conv`
# (ConvLayer: conv, bn, act), `blocks.i` (ResidualBlock whose `mobile_inverted_conv` is an MBConv
# layer with `inverted_bottleneck` (absent at expand ratio 1), `depth_conv`, `point_linear`, each
# an OrderedDict of conv, bn (and act)), `classifier` (LinearLayer: `linear`). The block settings
# are odl's MCUNET_IN1_BLOCKS (packages/models/src/zoo/mobile.ts; docs/method.md §7).
MCUNET_IN1_BLOCKS = [
    (1, 8, 1, 3), (4, 16, 2, 3), (3, 16, 1, 3), (3, 24, 2, 7), (5, 24, 1, 3), (5, 40, 2, 3), (4, 40, 1, 7),
    (4, 48, 1, 5), (3, 48, 1, 3), (4, 48, 1, 3), (5, 96, 2, 7), (4, 96, 1, 5), (4, 96, 1, 5), (6, 160, 1, 3),
]


# The MCUNet zoo's BatchNorm ε: its ProxylessNAS code calls set_bn_param(momentum=0.1, eps=1e-3)
# (a state dict does not store it; odl imports MCUNet-zoo names with 1e-3, docs in
# packages/models/README.md).
MCUNET_BN_EPS = 1e-3


def conv_bn(cin, cout, k, stride, groups=1, act=True, eps=MCUNET_BN_EPS):
    layers = [('conv', nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)), ('bn', nn.BatchNorm2d(cout, eps=eps))]
    if act:
        layers.append(('act', nn.ReLU6()))
    return nn.Sequential(OrderedDict(layers))


class MBConv(nn.Module):
    def __init__(self, cin, expand, cout, stride, k, eps):
        super().__init__()
        hidden = round(cin * expand)
        self.inverted_bottleneck = None if expand == 1 else conv_bn(cin, hidden, 1, 1, eps=eps)
        self.depth_conv = conv_bn(hidden, hidden, k, stride, groups=hidden, eps=eps)
        self.point_linear = conv_bn(hidden, cout, 1, 1, act=False, eps=eps)

    def forward(self, x):
        if self.inverted_bottleneck is not None:
            x = self.inverted_bottleneck(x)
        return self.point_linear(self.depth_conv(x))


class Residual(nn.Module):
    def __init__(self, conv, identity):
        super().__init__()
        self.mobile_inverted_conv = conv
        self.identity = identity

    def forward(self, x):
        y = self.mobile_inverted_conv(x)
        return x + y if self.identity else y


class Linear(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear = nn.Linear(cin, cout)

    def forward(self, x):
        return self.linear(x)


class McunetIn1(nn.Module):
    def __init__(self, num_classes, eps=MCUNET_BN_EPS, in_channels=3):
        super().__init__()
        self.first_conv = conv_bn(in_channels, 16, 3, 2, eps=eps)
        blocks, c = [], 16
        for expand, out, stride, k in MCUNET_IN1_BLOCKS:
            blocks.append(Residual(MBConv(c, expand, out, stride, k, eps), stride == 1 and c == out))
            c = out
        self.blocks = nn.ModuleList(blocks)
        self.classifier = Linear(c, num_classes)

    def features(self, x):
        """The pooled features the classifier reads: [N, 160]."""
        x = self.first_conv(x)
        for b in self.blocks:
            x = b(x)
        return x.mean((2, 3))

    def forward(self, x):
        return self.classifier(self.features(x))
