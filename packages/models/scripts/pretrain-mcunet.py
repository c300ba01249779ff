"""Pretrains MCUNet-in1 (the MCUNet zoo's layout and names) on Fashion-MNIST classes 0-4.

Dev-time script (PyTorch from Debian's python3-torch, never a runtime or test dependency of odl).
It writes a PyTorch state_dict that odl imports through its own weights loader
(packages/models/scripts/import-pretrained.ts turns it into an odl checkpoint folder). PyTorch
trains this network about 6x faster than odl's wasm trainer on a 2-core machine. This script made
the shipped 64x64 checkpoint (with --contrastive 1; its README has the exact command) and the
checkpoints of docs/reproduction.md section 3; the earlier shipped one was trained with odl's own
Trainer (pretrain-mcunet.ts).

Input preparation is odl's `InputSpec` for the model (fmnist_torch.py): the 28x28 image resized
bilinearly with half-pixel centres to --image-size, scaled to [0, 1], normalised with mean 0.286
and std 0.353; one channel.

Recipe by default (that of odl's Trainer in pretrain-mcunet.ts): SGD with Nesterov momentum 0.9, lr 0.1, weight
decay 5e-4, 100 linear warm-up steps then cosine per step to 0, batch 64, random shifts of about 2
source pixels and horizontal flips, BatchNorm with batch statistics.

`--contrastive W` (docs/reproduction.md section 3, "A more general backbone from the same five
classes") replaces the shifts with two strong views of each image (contrastive_torch.py) and adds W
times SimCLR's loss between them to the cross-entropy on both views.

Run: /usr/bin/python3 packages/models/scripts/pretrain-mcunet.py --out /tmp/mcunet-fmnist04 --image-size 96
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

from contrastive_torch import Projection, nt_xent, strong_view
from fmnist_torch import CLASSES, MEAN, STD, add_pretraining_args, load_split, seed_and_threads, shift_and_flip
from mcunet_torch import MCUNET_BN_EPS, McunetIn1
from train_torch import fit

p = argparse.ArgumentParser()
add_pretraining_args(p, epochs=6, batch=64, lr=0.1, weight_decay=5e-4, image_size=96)
p.add_argument('--warmup', type=int, default=100)
p.add_argument('--contrastive', type=float, default=0.0,
               help='weight of a SimCLR term (contrastive_torch.py) added to the cross-entropy; 0: none')
p.add_argument('--temperature', type=float, default=0.2, help='the SimCLR term\'s temperature')
a = p.parse_args()
seed_and_threads(a.seed, a.threads)

train_x, train_y = load_split(a.data, 'train', CLASSES, a.image_size, MEAN, STD, a.limit)
test_x, test_y = load_split(a.data, 't10k', CLASSES, a.image_size, MEAN, STD, a.limit)
print(f'train {len(train_y)} images, test {len(test_y)} images, {a.image_size}x{a.image_size}', flush=True)

model = McunetIn1(len(CLASSES), in_channels=1)
# built only with the term, so that the plain recipe draws the same random numbers as before it existed
projection = Projection(model.classifier.linear.in_features) if a.contrastive > 0 else None
params = list(model.parameters()) + (list(projection.parameters()) if projection is not None else [])
opt = torch.optim.SGD(params, lr=a.lr, momentum=0.9, nesterov=True, weight_decay=a.weight_decay)
steps_per_epoch = math.ceil(len(train_y) / a.batch)
total = a.epochs * steps_per_epoch
warmup = min(a.warmup, total // 10)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup))))
max_shift = round(2 * a.image_size / 28)


def contrastive_loss(x, y):
    """Cross-entropy on two strong views of each image plus the weighted SimCLR term between them."""
    views = torch.cat([strong_view(x, MEAN, STD), strong_view(x, MEAN, STD)])
    f = model.features(views)
    ce = F.cross_entropy(model.classifier(f), torch.cat([y, y]))
    z = projection(f)
    return ce + a.contrastive * nt_xent(z[:len(y)], z[len(y):], a.temperature)


def save(folder, history, seconds):
    """The state dict and meta.json (with two test images and their logits, which the importer checks)."""
    os.makedirs(folder, exist_ok=True)
    model.eval()
    torch.save(model.state_dict(), os.path.join(folder, 'model.pth'))
    with torch.no_grad():
        check_x = test_x[:2]
        check_logits = model(check_x)
    model.train()
    meta = {
        'architecture': 'mcunet-in1',
        'description': 'MCUNet-in1 (the MCUNet zoo layout) pretrained on Fashion-MNIST classes 0-4',
        'classes': CLASSES,
        'config': {'resolution': a.image_size, 'inputChannels': 1, 'numClasses': len(CLASSES), 'bnEps': MCUNET_BN_EPS},
        'input': {'height': a.image_size, 'width': a.image_size, 'channels': 1, 'resize': 'bilinear', 'mean': MEAN, 'std': STD},
        'training': {'epochs': a.epochs, 'batchSize': a.batch, 'optimizer': 'SGD (Nesterov momentum 0.9)', 'lr': a.lr,
                     'weightDecay': a.weight_decay, 'schedule': f'linear warm-up {warmup} steps then cosine per step to 0',
                     'augment': (f'two views: random resized crops (area 0.3-1), flips, brightness/contrast; SimCLR term weight '
                                 f'{a.contrastive}, temperature {a.temperature}' if a.contrastive > 0
                                 else f'random shifts <= {max_shift} px, horizontal flips'), 'batchNorm': 'batch statistics',
                     'seed': a.seed, 'torch': torch.__version__, 'threads': a.threads,
                     'contrastive': a.contrastive, 'temperature': a.temperature},
        'trainImages': len(train_y), 'testImages': len(test_y),
        'testTop1': history[-1]['testTop1'], 'testLoss': history[-1]['testLoss'],
        'trainSeconds': round(seconds), 'history': history,
        'check': {'inputsNCHW': check_x.numpy().reshape(-1).tolist(), 'shapeNCHW': list(check_x.shape),
                  'logits': check_logits.numpy().reshape(-1).tolist()},
    }
    tmp = os.path.join(folder, 'meta.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(meta, f)
    os.replace(tmp, os.path.join(folder, 'meta.json'))


# each epoch's state beside the final one, so a long run can be looked at (and imported) early
history, seconds = fit(model, opt, sched, (train_x, train_y), (test_x, test_y), a.epochs, a.batch,
                       lambda x: shift_and_flip(x, max_shift, -MEAN / STD), log_every=50,
                       on_epoch=lambda h, t: save(os.path.join(a.out, f'epoch-{len(h)}'), h, t),
                       loss_fn=contrastive_loss if a.contrastive > 0 else None)
save(a.out, history, seconds)
print(f'saved {a.out}: test top-1 {100 * history[-1]["testTop1"]:.2f}%')
