#!/usr/bin/python3
"""Reference values of torchvision's evaluation transform, Resize(resizeTo) + CenterCrop(size), on a
few small images, for packages/datasets/test/resize-crop.test.ts.

Made with Debian's python3-torchvision and python3-pil (apt install python3-torchvision python3-pil):

    /usr/bin/python3 packages/datasets/scripts/make-resize-crop-reference.py

The images are seeded random pixels (random pixels exercise every rounding), stored in the JSON
beside the results so that the test feeds odl exactly the same pixels; torchvision transforms them
as PIL images (Pillow's antialiased bilinear filter, torchvision's shorter-side and centre-crop
rules). Three PNG files of the committed mixed-size folder (packages/test-utils/fixtures) are
transformed too, read the way torchvision's ImageFolder reads them (`Image.open(f).convert('RGB')`),
so the test can check the whole path: PNG decoding (RGB, palette, RGBA), then the transform.
Writes packages/datasets/test/data/resize-crop-reference.json.
"""
import json
import os

import numpy as np
import PIL
import torchvision
from PIL import Image
from torchvision import transforms

CASES = [
    # name, height, width, channels, size, resizeTo: downscale of a landscape RGB image (odd crop
    # offsets), upscale of a portrait grey image, a tall RGB image downscaled by a non-integer factor.
    ("landscape-rgb-down", 37, 53, 3, 16, 18),
    ("portrait-grey-up", 9, 7, 1, 12, 14),
    ("tall-rgb-down", 61, 20, 3, 9, 10),
]

# Lossless fixture files (JPEG decoders differ between libjpeg and jpeg-js, so only PNGs), size.
FIXTURE_FILES = [("disc/03-portrait.png", 24), ("stripes/06-palette.png", 32), ("stripes/04-alpha.png", 20)]
FIXTURE_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test-utils", "fixtures", "mixed-size-folder")


def main():
    rng = np.random.default_rng(20261203)
    out = {
        "generatedBy": "packages/datasets/scripts/make-resize-crop-reference.py",
        "torchvision": torchvision.__version__,
        "pillow": PIL.__version__,
        "transform": "transforms.Compose([transforms.Resize(resizeTo), transforms.CenterCrop(size)]) on a PIL image (BILINEAR, antialiased)",
        "cases": [],
    }
    for name, h, w, c, size, resize_to in CASES:
        pixels = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
        img = Image.fromarray(pixels[:, :, 0] if c == 1 else pixels, mode="L" if c == 1 else "RGB")
        t = transforms.Compose([transforms.Resize(resize_to), transforms.CenterCrop(size)])
        res = np.asarray(t(img), dtype=np.uint8).reshape(size, size, c)
        resized = transforms.Resize(resize_to)(img)
        out["cases"].append({
            "name": name,
            "height": h,
            "width": w,
            "channels": c,
            "size": size,
            "resizeTo": resize_to,
            "resizedHeight": resized.size[1],
            "resizedWidth": resized.size[0],
            "input": pixels.reshape(-1).tolist(),
            "output": res.reshape(-1).tolist(),
        })
    out["files"] = []
    for rel, size in FIXTURE_FILES:
        with open(os.path.join(FIXTURE_ROOT, rel), "rb") as f:
            img = Image.open(f).convert("RGB")
        resize_to = round(size * 256 / 224)
        res = transforms.Compose([transforms.Resize(resize_to), transforms.CenterCrop(size)])(img)
        out["files"].append({"path": rel, "size": size, "resizeTo": resize_to, "output": np.asarray(res, dtype=np.uint8).reshape(-1).tolist()})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "data", "resize-crop-reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
