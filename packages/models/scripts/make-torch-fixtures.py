#!/usr/bin/python3
"""Writes the PyTorch fixtures of @odl/models' weight-import tests (dev time only; CI reads the
committed files). Needs Debian's python3-torch and python3-torchvision (torch 1.13, torchvision 0.14):

    apt-get install -y python3-torch python3-torchvision
    /usr/bin/python3 packages/models/scripts/make-torch-fixtures.py

With `--check <dir>` it instead loads odl's exports written by scripts/torch-export-check.ts into
PyTorch (load_state_dict(strict=True)) and compares PyTorch's logits with odl's.

Into packages/models/test/fixtures/torch/ it writes:
  mobilenet_v2_w025.pth          torch.save(state_dict) of torchvision mobilenet_v2(width_mult=0.25,
                                 num_classes=5), seeded weights, non-trivial BatchNorm statistics
  mobilenet_v2_w025.safetensors  the same tensors as safetensors (written by hand below)
  input.safetensors              the fixed input 'input', NCHW [2, 3, 64, 64] float32
  mobilenet_v2_w025.logits.json  PyTorch's logits of the model (eval mode) on that input
  resnet18.names.json            names, shapes and dtypes of torchvision resnet18()'s state dict
  resnet34.names.json            the same for resnet34()
  layouts.pth, layouts.json       strided views sharing a storage, float16/float64/bfloat16, int64,
                                 and their values
  layouts-protocol4.pth          the same saved with pickle protocol 4
  layouts-wrapped.pth            the same inside {'epoch': 3, 'lr': 0.05, 'state_dict': ...}
  mcunet_in1.names.json          names and shapes of MCUNet-in1 in the MCUNet zoo's naming, from
                                 PyTorch modules laid out as the MCUNet zoo's ProxylessNASNets
                                 (see mcunet_in1() below)
  swin_d16.pth                   torch.save(state_dict) of a small torchvision SwinTransformer
                                 (swin_d16() below: patch 4, embed 16, depths [2, 2, 2], heads
                                 [2, 4, 8], window 4, 5 classes), seeded weights, non-trivial
                                 LayerNorms and relative position bias tables
  swin_d16.input.safetensors     its fixed input 'input', NCHW [2, 3, 36, 76] float32
  swin_d16.logits.json           PyTorch's logits of that model (eval mode, float64) on that input
  swin_d16.state.json            that state dict's names in order, and the values of its int64
                                 relative_position_index buffers
  swin_t.names.json              names, shapes and dtypes of torchvision swin_t()'s state dict
  vit_small.pth                  torch.save(state_dict) of torchvision's VisionTransformer(image_size=32,
                                 patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
                                 num_classes=5), seeded random weights (every tensor, see vit_fixture())
  vit_small.safetensors          the same tensors as safetensors
  vit_input.safetensors          the fixed input 'input', NCHW [2, 3, 32, 32] float32
  vit_small.logits.json          PyTorch's logits of the ViT (eval mode) on that input
  vit_b_32.names.json            names, shapes and dtypes of torchvision vit_b_32()'s state dict

`--only vit` writes the ViT files alone, `--only swin` the Swin files alone (the others keep their bytes).
"""
import json
import os
import struct
from collections import OrderedDict

import torch
import torch.nn as nn
import torchvision

from mcunet_torch import McunetIn1

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch')
DTYPES = {torch.float32: 'F32', torch.float16: 'F16', torch.float64: 'F64', torch.int64: 'I64'}


def write_safetensors(path, tensors):
    """The safetensors format: u64 little-endian header length, JSON header, raw little-endian data."""
    header, chunks, offset = OrderedDict(), [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    os.replace(path + '.tmp', path)


def write_json(path, value):
    """JSON with one list item or object field per line (small diffs, short files)."""
    if isinstance(value, list):
        text = '[\n' + ',\n'.join(json.dumps(v) for v in value) + '\n]\n'
    else:
        text = '{\n' + ',\n'.join(f'{json.dumps(k)}: {json.dumps(v)}' for k, v in value.items()) + '\n}\n'
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.replace(path + '.tmp', path)


def write_reference(input_file, logits_file, model_text, seed, x, logits):
    """The fixture input (NCHW, drawn by torch.randn after torch.manual_seed(seed)) and PyTorch's logits on it."""
    write_safetensors(os.path.join(OUT, input_file), {'input': x})
    write_json(os.path.join(OUT, logits_file), {
        'model': model_text,
        'input': f'{input_file}: torch.manual_seed({seed}); torch.randn({", ".join(str(d) for d in x.shape)}) (NCHW)',
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'shape': list(logits.shape),
        'logits': [float(v) for v in logits.flatten()],
    })


def names_of(model):
    return [{'name': k, 'shape': list(v.shape), 'dtype': DTYPES[v.dtype]} for k, v in model.state_dict().items()]


def mobilenet_fixture():
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=5)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
            if isinstance(m, nn.Linear):
                m.bias.uniform_(-0.1, 0.1)
        # Running statistics measured on seeded inputs (a cumulative average over a few
        # training-mode passes), so that every layer's output stays input-dependent: with
        # momentum 0.1 and 3 passes the statistics stay near their initial values, the last layers
        # saturate, and the logits of different inputs agree to 1e-7 — too weak a reference.
        model.train()
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        for _ in range(4):
            model(torch.randn(16, 3, 64, 64) * 0.5 + 0.1)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 0.1
    model.eval()
    torch.manual_seed(1)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        logits = model(x)
    state = model.state_dict()
    torch.save(state, os.path.join(OUT, 'mobilenet_v2_w025.pth'))
    write_safetensors(os.path.join(OUT, 'mobilenet_v2_w025.safetensors'), state)
    write_reference('input.safetensors', 'mobilenet_v2_w025.logits.json',
                    'torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=5), eval mode', 1, x, logits)


def read_safetensors(path):
    """The float32 and int64 tensors of a safetensors file (the format read by hand: the package may be missing)."""
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = OrderedDict()
    for name, e in header.items():
        if name == '__metadata__':
            continue
        assert e['dtype'] in ('F32', 'I64'), f'{name}: {e["dtype"]}'
        b, end = e['data_offsets']
        dtype = torch.float32 if e['dtype'] == 'F32' else torch.int64
        out[name] = torch.frombuffer(bytearray(data[8 + n + b:8 + n + end]), dtype=dtype).reshape(e['shape'])
    return out


def check(folder):
    """Loads odl's exports (scripts/torch-export-check.ts) into PyTorch modules with strict=True and
    compares PyTorch's logits on each one's fixture input with odl's."""
    worst = 0.0
    for name in ['mobilenetv2', 'mcunet-in1', 'resnet18', 'vit', 'swin']:
        with open(os.path.join(folder, f'{name}.json')) as f:
            odl = json.load(f)
        x = read_safetensors(os.path.join(OUT, {'vit': 'vit_input', 'swin': 'swin_d16.input'}.get(name, 'input') + '.safetensors'))['input']
        if name == 'vit':
            from torchvision.models.vision_transformer import VisionTransformer
            model = VisionTransformer(**VIT_SMALL)
        elif name == 'swin':
            model = swin_d16()
        elif name == 'mobilenetv2':
            model = torchvision.models.mobilenet_v2(width_mult=odl['widthMultiplier'], num_classes=odl['numClasses'])
        elif name == 'resnet18':
            model = torchvision.models.resnet18(num_classes=odl['numClasses'])
        else:
            model = McunetIn1(odl['numClasses'])
        state = read_safetensors(os.path.join(folder, f'{name}.safetensors'))
        model.load_state_dict(state, strict=True)
        model.eval()
        with torch.no_grad():
            logits = model(x).flatten()
        ref = torch.tensor(odl['logits'])
        err = float((logits - ref).abs().max() / logits.abs().max())
        worst = max(worst, err)
        print(f'{name}: loaded with strict=True; max |torch - odl| / max |torch| = {err:.2e}')
        if name == 'mcunet-in1':
            # odl exports MCUNet-in1 with ε = 1e-3 (the MCUNet zoo's); PyTorch's default ε would differ.
            other = McunetIn1(odl['numClasses'], eps=1e-5)
            other.load_state_dict(state, strict=True)
            other.eval()
            with torch.no_grad():
                off = float((other(x).flatten() - ref).abs().max() / logits.abs().max())
            print(f'{name}: the same weights with eps=1e-5 instead of 1e-3 differ from odl by {off:.2e}')
    if worst > 1e-4:
        raise SystemExit(f'logits differ by {worst:.2e} relative (> 1e-4)')


VIT_SMALL = dict(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=5)


def vit_fixture():
    """A small torchvision ViT with every tensor random (torchvision zero-initialises the head,
    the class token and the attention biases, which would hide a wrong layout), and its logits on
    two fixed inputs."""
    from torchvision.models.vision_transformer import VisionTransformer
    torch.manual_seed(3)
    model = VisionTransformer(**VIT_SMALL)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if '.ln' in name or name.startswith('encoder.ln'):
                if name.endswith('weight'):
                    p.uniform_(0.5, 1.5)
                else:
                    p.uniform_(-0.2, 0.2)
            elif name.endswith('bias') or name.endswith('_bias'):
                p.uniform_(-0.1, 0.1)
            elif name in ('class_token', 'encoder.pos_embedding'):
                p.normal_(0, 0.5)
            elif name.startswith('heads.'):
                p.normal_(0, 0.3)
    model.eval()
    torch.manual_seed(4)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits = model(x)
    state = model.state_dict()
    torch.save(state, os.path.join(OUT, 'vit_small.pth'))
    write_safetensors(os.path.join(OUT, 'vit_small.safetensors'), state)
    write_reference('vit_input.safetensors', 'vit_small.logits.json',
                    'torchvision.models.vision_transformer.VisionTransformer(' + ', '.join(f'{k}={v}' for k, v in VIT_SMALL.items()) + '), eval mode',
                    4, x, logits)
    write_json(os.path.join(OUT, 'vit_b_32.names.json'), names_of(torchvision.models.vit_b_32()))


def layout_fixture():
    """Tensors that are not plain contiguous float32: views with strides and storage offsets that
    share one storage, float16/float64/bfloat16, an int64 buffer; and their values as JSON."""
    torch.manual_seed(2)
    base = torch.randn(4, 6)
    tensors = OrderedDict([
        ('plain', base),
        ('transposed', base.t()),                # strides (1, 6) on base's storage
        ('offset', base[1:3, 2:5]),              # storage offset 8, strides (6, 1)
        ('strided', base[:, ::2]),               # strides (6, 2)
        ('half', torch.randn(3, 2).half()),
        ('double', torch.randn(5).double()),
        ('bfloat', torch.randn(2, 2).bfloat16()),
        ('scalar', torch.tensor(1.5)),
        ('bn.num_batches_tracked', torch.tensor(7)),
    ])
    torch.save(tensors, os.path.join(OUT, 'layouts.pth'))
    # the same tensors with pickle protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE), and inside a
    # training checkpoint's dict ({'epoch': …, 'state_dict': …})
    torch.save(tensors, os.path.join(OUT, 'layouts-protocol4.pth'), pickle_protocol=4)
    torch.save({'epoch': 3, 'lr': 0.05, 'state_dict': tensors}, os.path.join(OUT, 'layouts-wrapped.pth'))
    write_json(os.path.join(OUT, 'layouts.json'), {
        k: {'shape': list(t.shape), 'values': [float(v) for v in t.float().flatten()]}
        for k, t in tensors.items() if t.is_floating_point()
    })


# A small Swin Transformer in torchvision's layout (SwinTransformer, as swin_t builds it, with a
# small configuration). The 36×76 input makes every path of torchvision 0.14's windowed attention
# run: stage 1 is 9×19 (padded to 12×20 for windows of 4, shifted on both axes), patch merging pads
# it to 10×20 (odd height), stage 2 is 5×10 (padded to 8×12, shifted on both axes), stage 3 is 3×5
# (padded to 4×8: the window covers the height, so the shift is dropped on that axis only).
SWIN_D16 = dict(patch_size=[4, 4], embed_dim=16, depths=[2, 2, 2], num_heads=[2, 4, 8], window_size=[4, 4])


def swin_d16():
    return torchvision.models.swin_transformer.SwinTransformer(**SWIN_D16, stochastic_depth_prob=0.0, num_classes=5)


def swin_fixture():
    torch.manual_seed(3)
    model = swin_d16()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('relative_position_bias_table'):
                # torchvision initialises the tables with std 0.02, too small to matter in a test
                p.normal_(0, 0.5)
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
            if isinstance(m, nn.Linear):
                # torchvision's std 0.02 makes every attention nearly uniform; fan-in scaling
                # (and q·k logits of order one) keep the attention patterns input-dependent
                m.weight.normal_(0, 1.5 / m.in_features ** 0.5)
                if m.bias is not None:
                    m.bias.uniform_(-0.1, 0.1)
            if isinstance(m, nn.Conv2d):
                m.bias.uniform_(-0.1, 0.1)
    model.eval()
    torch.manual_seed(4)
    x = torch.randn(2, 3, 36, 76)
    torch.save(model.state_dict(), os.path.join(OUT, 'swin_d16.pth'))
    # odl's export must write the int64 buffers too (strict loading needs them): their values as PyTorch builds them
    write_json(os.path.join(OUT, 'swin_d16.state.json'), {
        'names': list(model.state_dict().keys()),
        'int64': {k: [int(v) for v in t.flatten()] for k, t in model.state_dict().items() if t.dtype == torch.int64},
    })
    # The reference logits in float64 (the same float32 weights and input, widened): reproducible
    # to the last digit, and what is left of a float32 port's error is its own.
    with torch.no_grad():
        logits = model.double()(x.double())
    write_reference('swin_d16.input.safetensors', 'swin_d16.logits.json',
                    f'torchvision.models.swin_transformer.SwinTransformer(**{SWIN_D16}, stochastic_depth_prob=0.0, num_classes=5), eval mode, computed in float64',
                    4, x, logits)
    write_json(os.path.join(OUT, 'swin_t.names.json'), names_of(torchvision.models.swin_t()))


def main():
    os.makedirs(OUT, exist_ok=True)
    mobilenet_fixture()
    layout_fixture()
    write_json(os.path.join(OUT, 'resnet18.names.json'), names_of(torchvision.models.resnet18()))
    write_json(os.path.join(OUT, 'resnet34.names.json'), names_of(torchvision.models.resnet34()))
    write_json(os.path.join(OUT, 'mcunet_in1.names.json'), names_of(McunetIn1(1000)))
    swin_fixture()
    vit_fixture()
    for f in sorted(os.listdir(OUT)):
        print(f'{f}: {os.path.getsize(os.path.join(OUT, f))} bytes')


if __name__ == '__main__':
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == '--check':
        check(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1:] == ['--only', 'swin']:
        swin_fixture()
    elif len(sys.argv) == 3 and sys.argv[1:] == ['--only', 'vit']:
        vit_fixture()
    else:
        main()
