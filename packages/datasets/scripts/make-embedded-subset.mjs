#!/usr/bin/env node
// Regenerates packages/datasets/data/ (the embedded Fashion-MNIST subset) from the official
// files of Debian's `dataset-fashion-mnist` package. Deterministic: the same source files and
// seed give byte-identical output.
//
//   pnpm --filter @odl/backend build   # once: the files are written by @odl/backend/node's writeFileAtomic
//   node packages/datasets/scripts/make-embedded-subset.mjs [sourceDir]
//
// Splits written (IDX, gzip level 9, original labels 0-9 kept in the files):
//   finetune-train : classes 5-9, 600 per class, from the official train set   (3000 images)
//   finetune-test  : classes 5-9, 200 per class, from the official test set    (1000 images)
//   calibration    : classes 0-4, 100 per class, from the official train set   ( 500 images)
// Selection: per class, a seeded Fisher-Yates shuffle (mulberry32, the algorithm of SeededRng in
// src/random.ts) of that class's indices; the first k are kept and then sorted ascending, so
// the files keep the official order. manifest.json records the chosen source indices and
// SHA-256 checksums. It also prints the training-set mean/std used for FASHION_MNIST_STATS.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '@odl/backend/node';

const SEED = 20250605;
const sourceDir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');

const SPLITS = [
  { name: 'finetune-train', source: 'train', classes: [5, 6, 7, 8, 9], perClass: 600 },
  { name: 'finetune-test', source: 't10k', classes: [5, 6, 7, 8, 9], perClass: 200 },
  { name: 'calibration', source: 'train', classes: [0, 1, 2, 3, 4], perClass: 100 },
];

function mix32(a, b) {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
function rng(seed) {
  let state = mix32(seed >>> 0, Math.floor(seed / 4294967296) >>> 0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

function readIdx(path, expectMagic) {
  const gz = readFileSync(path);
  const raw = gunzipSync(gz);
  const magic = raw.readUInt32BE(0);
  if (magic !== expectMagic) throw new Error(`${path}: magic 0x${magic.toString(16)}, expected 0x${expectMagic.toString(16)}`);
  const ndim = raw[3];
  const dims = Array.from({ length: ndim }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  return { dims, data: raw.subarray(4 + 4 * ndim), gzSha256: sha256(gz) };
}

function writeIdx(dims, data, code) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((code << 8) | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

const sources = {};
for (const prefix of ['train', 't10k']) {
  const images = readIdx(join(sourceDir, `${prefix}-images-idx3-ubyte.gz`), 0x803);
  const labels = readIdx(join(sourceDir, `${prefix}-labels-idx1-ubyte.gz`), 0x801);
  if (images.dims[0] !== labels.dims[0]) throw new Error(`${prefix}: ${images.dims[0]} images, ${labels.dims[0]} labels`);
  sources[prefix] = { images, labels };
}

const manifest = {
  description: 'Embedded Fashion-MNIST subset (Zalando Research, MIT licence); regenerate with scripts/make-embedded-subset.mjs',
  seed: SEED,
  sources: Object.fromEntries(Object.entries(sources).flatMap(([p, s]) => [
    [`${p}-images-idx3-ubyte.gz`, s.images.gzSha256],
    [`${p}-labels-idx1-ubyte.gz`, s.labels.gzSha256],
  ])),
  splits: {},
};
let totalBytes = 0;
for (const [splitIndex, split] of SPLITS.entries()) {
  const src = sources[split.source];
  const [, h, w] = src.images.dims;
  const chosen = [];
  for (const cls of split.classes) {
    const pool = [];
    for (let i = 0; i < src.labels.data.length; i++) if (src.labels.data[i] === cls) pool.push(i);
    const next = rng(SEED + 1000 * splitIndex + cls);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    if (pool.length < split.perClass) throw new Error(`${split.name}: class ${cls} has only ${pool.length} images`);
    chosen.push(...pool.slice(0, split.perClass));
  }
  chosen.sort((a, b) => a - b);
  const n = chosen.length;
  const pixels = new Uint8Array(n * h * w);
  const labels = new Uint8Array(n);
  chosen.forEach((s, k) => {
    pixels.set(src.images.data.subarray(s * h * w, (s + 1) * h * w), k * h * w);
    labels[k] = src.labels.data[s];
  });
  const files = {};
  for (const [kind, raw] of [
    ['images', writeIdx([n, h, w], pixels, 0x08)],
    ['labels', writeIdx([n], labels, 0x08)],
  ]) {
    const name = `fashion-mnist-${split.name}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte.gz`;
    const gz = gzipSync(raw, { level: 9 });
    await writeFileAtomic(join(outDir, name), gz);
    totalBytes += gz.length;
    files[kind] = { file: name, bytes: gz.length, sha256: sha256(gz), rawSha256: sha256(raw) };
  }
  manifest.splits[split.name] = {
    source: `${split.source}-*-ubyte.gz`, classes: split.classes, perClass: split.perClass, count: n,
    shape: [n, h, w, 1], ...files, sourceIndices: chosen,
  };
  console.log(`${split.name}: ${n} images from ${split.source}, ${files.images.bytes + files.labels.bytes} bytes`);
}
await writeFileAtomic(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, (k, v) => (k === 'sourceIndices' ? v.join(',') : v), 2)}\n`);
console.log(`total ${totalBytes} bytes of .gz in ${outDir}`);

// Training-set statistics for FASHION_MNIST_STATS (pixel / 255).
const px = sources.train.images.data;
let sum = 0;
let sumSq = 0;
for (let i = 0; i < px.length; i++) {
  sum += px[i];
  sumSq += px[i] * px[i];
}
const mean = sum / px.length;
const std = Math.sqrt(sumSq / px.length - mean * mean);
console.log(`train mean ${(mean / 255).toFixed(6)} std ${(std / 255).toFixed(6)} (population std, pixels / 255)`);
