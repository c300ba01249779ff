// URLs of the files the worker loads, all served from the page's own origin: the embedded
// Fashion-MNIST subset (through @odl/datasets' `./data/*` export) and the pretrained checkpoints
// @odl/models ships (the MCUNet-in1 and the ViT: model.json + weights.bin each).
import calibrationImages from '@odl/datasets/data/fashion-mnist-calibration-images-idx3-ubyte.gz?url';
import calibrationLabels from '@odl/datasets/data/fashion-mnist-calibration-labels-idx1-ubyte.gz?url';
import testImages from '@odl/datasets/data/fashion-mnist-finetune-test-images-idx3-ubyte.gz?url';
import testLabels from '@odl/datasets/data/fashion-mnist-finetune-test-labels-idx1-ubyte.gz?url';
import trainImages from '@odl/datasets/data/fashion-mnist-finetune-train-images-idx3-ubyte.gz?url';
import trainLabels from '@odl/datasets/data/fashion-mnist-finetune-train-labels-idx1-ubyte.gz?url';

/** Splits of the embedded subset. */
export type SplitName = 'finetune-train' | 'finetune-test' | 'calibration';

/** Images and labels file URL of each embedded split. */
export const EMBEDDED_URLS: Record<SplitName, { images: string; labels: string }> = {
  'finetune-train': { images: trainImages, labels: trainLabels },
  'finetune-test': { images: testImages, labels: testLabels },
  calibration: { images: calibrationImages, labels: calibrationLabels },
};

// Globbed so that the app builds (without a pretrained option) when a folder is absent; every
// checkpoint folder of @odl/models' pretrained/ (model.json + weights.bin), by folder name.
const pretrainedFiles = import.meta.glob('../../../../packages/models/pretrained/*/*.{json,bin}', {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** URLs of a shipped checkpoint's files: its model.json and its weight files by name. */
export interface CheckpointUrls {
  /** URL of model.json. */
  modelJson: string;
  /** URL of each weights file, by file name. */
  weights: Record<string, string>;
}

/** URLs of the pretrained checkpoint in folder `name` (`PRETRAINED_*_NAME`), or null when the build has none. */
export function pretrainedUrls(name: string): CheckpointUrls | null {
  let modelJson: string | null = null;
  const weights: Record<string, string> = {};
  for (const [path, url] of Object.entries(pretrainedFiles)) {
    const parts = path.split('/');
    if (parts.at(-2) !== name) continue;
    const file = parts.at(-1)!;
    if (file === 'model.json') modelJson = url;
    else weights[file] = url;
  }
  return modelJson == null ? null : { modelJson, weights };
}

/** Resolves an asset URL (relative to the worker script) to an absolute one. */
export function absolute(url: string): string {
  return new URL(url, import.meta.url).href;
}
