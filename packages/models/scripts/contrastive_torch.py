"""A contrastive term for the dev-time PyTorch pretraining (pretrain-mcunet.py --contrastive).

SimCLR's NT-Xent loss (Chen et al. 2020) between two strongly augmented views of each image, on a
small projection of the pooled features. Added to the cross-entropy on the pretraining classes, it
keeps the features from collapsing onto those classes, so that classes the network never saw stay
linearly separable in its last layers (docs/reproduction.md section 3 says why ASI needs that).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Projection(nn.Module):
    """SimCLR's projection head: Linear, ReLU, Linear onto `dim` values (trained, never saved)."""

    def __init__(self, cin, hidden=256, dim=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(cin, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, x):
        return self.net(x)


def strong_view(x, mean, std, min_scale=0.3):
    """A random resized crop (area scale in [min_scale, 1], aspect 3/4..4/3), horizontal flip and
    brightness/contrast jitter of each image of a normalised NCHW batch; the result stays normalised
    and the background outside the crop is the normalised black."""
    b = x.shape[0]
    area = torch.empty(b).uniform_(min_scale, 1.0)
    log_ratio = torch.empty(b).uniform_(math.log(3 / 4), math.log(4 / 3))
    ratio = torch.exp(log_ratio)
    sx = torch.sqrt(area * ratio).clamp(max=1.0)
    sy = torch.sqrt(area / ratio).clamp(max=1.0)
    tx = (torch.rand(b) * 2 - 1) * (1 - sx)
    ty = (torch.rand(b) * 2 - 1) * (1 - sy)
    flip = torch.where(torch.rand(b) < 0.5, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = sx * flip
    theta[:, 0, 2] = tx
    theta[:, 1, 1] = sy
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    pixels = x * std + mean  # back to [0, 1]
    out = F.grid_sample(pixels, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    contrast = torch.empty(b, 1, 1, 1).uniform_(0.6, 1.4)
    brightness = torch.empty(b, 1, 1, 1).uniform_(-0.2, 0.2)
    out = (out * contrast + brightness).clamp(0, 1)
    return (out - mean) / std


def nt_xent(z1, z2, temperature):
    """SimCLR's normalised-temperature cross-entropy between two views' projections [B, dim]."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / temperature
    n = z1.shape[0]
    sim.fill_diagonal_(float('-inf'))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, target)
