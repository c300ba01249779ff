"""Pretrains a small ViT (torchvision VisionTransformer layout and names) on Fashion-MNIST classes 0-4.

Dev-time script (PyTorch from Debian's python3-torch / python3-torchvision, never a runtime or test
dependency of odl). It writes a PyTorch state_dict that odl imports through its own weights loader
(packages/models/scripts/import-pretrained.ts turns it into the shipped checkpoint).

Input preparation is odl's `InputSpec` for the model: the 28x28 image resized bilinearly with
half-pixel centres (PyTorch's interpolate(align_corners=False) = odl's resizeBilinear) to 32x32,
scaled to [0, 1], normalised with mean 0.286 and std 0.353; one channel.

Run: /usr/bin/python3 packages/models/scripts/pretrain-vit.py --out /tmp/vit-fmnist04 [--epochs 15]
"""
import argparse
import json
import math
import os

import torch
import torch.nn as nn
from torchvision.models.vision_transformer import VisionTransformer

from fmnist_torch import CLASSES, MEAN, STD, add_pretraining_args, load_split, seed_and_threads, shift_and_flip
from train_torch import fit

p = argparse.ArgumentParser()
add_pretraining_args(p, epochs=15, batch=128, lr=2e-3, weight_decay=0.05, image_size=32)
p.add_argument('--patch', type=int, default=4)
p.add_argument('--hidden', type=int, default=64)
p.add_argument('--layers', type=int, default=4)
p.add_argument('--heads', type=int, default=4)
p.add_argument('--mlp', type=int, default=128)
a = p.parse_args()
seed_and_threads(a.seed, a.threads)


train_x, train_y = load_split(a.data, 'train', CLASSES, a.image_size, MEAN, STD, a.limit)
test_x, test_y = load_split(a.data, 't10k', CLASSES, a.image_size, MEAN, STD, a.limit)
print(f'train {len(train_y)} images, test {len(test_y)} images, {a.image_size}x{a.image_size}', flush=True)

model = VisionTransformer(image_size=a.image_size, patch_size=a.patch, num_layers=a.layers, num_heads=a.heads,
                          hidden_dim=a.hidden, mlp_dim=a.mlp, num_classes=len(CLASSES))
# One input channel: the data is grayscale (torchvision's conv_proj takes 3; same name, same init).
model.conv_proj = nn.Conv2d(1, a.hidden, kernel_size=a.patch, stride=a.patch)
fan_in = model.conv_proj.in_channels * a.patch * a.patch
nn.init.trunc_normal_(model.conv_proj.weight, std=math.sqrt(1 / fan_in))
nn.init.zeros_(model.conv_proj.bias)

opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
steps_per_epoch = math.ceil(len(train_y) / a.batch)
total = a.epochs * steps_per_epoch
warmup = min(200, total // 10)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup))))
max_shift = round(2 * a.image_size / 28)


def augment(x):
    # random shifts of about 2 source pixels (zero padding in normalised units = background) and flips
    return shift_and_flip(x, max_shift, -MEAN / STD)


history, seconds = fit(model, opt, sched, (train_x, train_y), (test_x, test_y), a.epochs, a.batch, augment, clip_norm=1.0)

os.makedirs(a.out, exist_ok=True)
model.eval()
torch.save(model.state_dict(), os.path.join(a.out, 'model.pth'))
# two test images with their logits: the importer checks odl's logits against these
with torch.no_grad():
    check_x = test_x[:2]
    check_logits = model(check_x)
meta = {
    'description': 'ViT (torchvision VisionTransformer layout) pretrained on Fashion-MNIST classes 0-4',
    'classes': CLASSES,
    'config': {'imageSize': a.image_size, 'patchSize': a.patch, 'hiddenDim': a.hidden, 'numLayers': a.layers,
               'numHeads': a.heads, 'mlpDim': a.mlp, 'inputChannels': 1, 'numClasses': len(CLASSES)},
    'input': {'height': a.image_size, 'width': a.image_size, 'channels': 1, 'resize': 'bilinear', 'mean': MEAN, 'std': STD},
    'training': {'epochs': a.epochs, 'batchSize': a.batch, 'optimizer': 'AdamW', 'lr': a.lr, 'weightDecay': a.weight_decay,
                 'schedule': f'linear warm-up {warmup} steps then cosine per step', 'clipNorm': 1.0,
                 'augment': f'random shifts <= {max_shift} px, horizontal flips', 'seed': a.seed,
                 'torch': torch.__version__, 'threads': a.threads},
    'trainImages': len(train_y), 'testImages': len(test_y),
    'testTop1': history[-1]['testTop1'], 'testLoss': history[-1]['testLoss'],
    'trainSeconds': round(seconds), 'history': history,
    'check': {'inputsNCHW': check_x.numpy().reshape(-1).tolist(), 'shapeNCHW': list(check_x.shape),
              'logits': check_logits.numpy().reshape(-1).tolist()},
}
tmp = os.path.join(a.out, 'meta.json.tmp')
with open(tmp, 'w') as f:
    json.dump(meta, f)
os.replace(tmp, os.path.join(a.out, 'meta.json'))
print(f'saved {a.out}: test top-1 {100 * history[-1]["testTop1"]:.2f}%')
