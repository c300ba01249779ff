"""Fashion-MNIST for the dev-time PyTorch scripts (pretrain-vit.py, pretrain-mcunet.py).

Reads Debian's `dataset-fashion-mnist` IDX files and prepares them as odl's `InputSpec` does for the
shipped models: the 28x28 image resized bilinearly with half-pixel centres (PyTorch's
interpolate(align_corners=False) = odl's resizeBilinear), scaled to [0, 1], normalised.
"""
import gzip
import os

import numpy as np
import torch
import torch.nn.functional as F

DATA_DIR = '/usr/share/datasets/fashion-mnist'
# The pretraining classes of the shipped models (T-shirt/top, Trouser, Pullover, Dress, Coat) and
# their input normalisation (odl's InputSpec mean and std).
CLASSES = [0, 1, 2, 3, 4]
MEAN, STD = 0.286, 0.353


def add_pretraining_args(p, *, epochs, batch, lr, weight_decay, image_size):
    """The options every pretraining script takes, with that script's defaults."""
    p.add_argument('--data', default=DATA_DIR)
    p.add_argument('--out', required=True)
    p.add_argument('--epochs', type=int, default=epochs)
    p.add_argument('--batch', type=int, default=batch)
    p.add_argument('--lr', type=float, default=lr)
    p.add_argument('--weight-decay', type=float, default=weight_decay)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--image-size', type=int, default=image_size)
    p.add_argument('--limit', type=int, default=0, help='images per split (0: all); for a quick check')


def seed_and_threads(seed, threads):
    """Seeds PyTorch's and NumPy's generators and sets PyTorch's thread count."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(threads)


def read_idx(path):
    """The array of an unsigned-byte IDX file (gzipped)."""
    with gzip.open(path, 'rb') as f:
        buf = f.read()
    if buf[0] != 0 or buf[1] != 0 or buf[2] != 8:
        raise ValueError(f'{path}: not an unsigned-byte IDX file')
    rank = buf[3]
    dims = [int.from_bytes(buf[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_split(data_dir, prefix, classes, image_size, mean, std, limit=0):
    """Images of `classes` from the 'train' or 't10k' split: NCHW float32 [N, 1, size, size], labels 0..len(classes)-1."""
    img = read_idx(os.path.join(data_dir, f'{prefix}-images-idx3-ubyte.gz'))
    lab = read_idx(os.path.join(data_dir, f'{prefix}-labels-idx1-ubyte.gz'))
    keep = np.isin(lab, classes)
    x, y = img[keep], lab[keep].astype(np.int64)
    if limit:
        x, y = x[:limit], y[:limit]
    x = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)  # [N, 1, 28, 28]
    x = F.interpolate(x, size=(image_size, image_size), mode='bilinear', align_corners=False)
    x = (x - mean) / std
    y = torch.from_numpy(np.array([classes.index(v) for v in y], dtype=np.int64))
    return x, y


def shift_and_flip(x, max_shift, fill):
    """Random shifts of up to `max_shift` pixels (padding with `fill`, the normalised background) and horizontal flips."""
    b, size = x.shape[0], x.shape[-1]
    pad = F.pad(x, (max_shift,) * 4, value=fill)
    dx = np.random.randint(0, 2 * max_shift + 1, size=b)
    dy = np.random.randint(0, 2 * max_shift + 1, size=b)
    out = torch.stack([pad[i, :, dy[i]:dy[i] + size, dx[i]:dx[i] + size] for i in range(b)])
    flip = torch.from_numpy(np.random.rand(b) < 0.5)
    out[flip] = out[flip].flip(-1)
    return out
