import { createImageDataset } from '@odl/datasets';
import { describe, expect, it } from 'vitest';
import { checkClasses, withChannels } from '../src/data';

describe('withChannels', () => {
  const rgb = createImageDataset({
    images: Uint8Array.from([255, 0, 0, 0, 255, 0, 10, 10, 10, 0, 0, 255]),
    shape: [2, 1, 2, 3],
    labels: [0, 1],
    classNames: ['a', 'b'],
  });

  it('turns RGB into grey by BT.601 luma, image by image, keeping labels and classes', () => {
    const grey = withChannels(rgb, 1);
    expect(grey.shape).toEqual([2, 1, 2, 1]);
    expect([...grey.images]).toEqual([Math.round(0.299 * 255), Math.round(0.587 * 255), 10, Math.round(0.114 * 255)]);
    expect([...grey.labels]).toEqual([0, 1]);
    expect(grey.classNames).toEqual(['a', 'b']);
    expect(withChannels(grey, 3).images.slice(0, 3)).toEqual(Uint8Array.from([76, 76, 76]));
    expect(withChannels(rgb, 3)).toBe(rgb);
  });
});

describe('checkClasses', () => {
  const ds = (labels: number[], numClasses?: number) => createImageDataset({ images: new Uint8Array(labels.length), shape: [labels.length, 1, 1, 1], labels, numClasses });

  it('refuses one class, and idx labels that run far past the classes present unless --classes is given', () => {
    expect(() => checkClasses(ds([0, 0, 0]), 'data/', { format: 'folder' })).toThrow(/has 1 class \('0'\); fine-tuning a classifier needs at least 2: add a subfolder/);
    expect(() => checkClasses(ds([0, 1, 255]), 'd', { format: 'idx' })).toThrow(/the labels run up to 255, yet only 3 different labels occur; pass --classes/);
    expect(() => checkClasses(ds([0, 1, 255], 256), 'd', { format: 'idx', numClasses: 256 })).not.toThrow();
    // EMNIST letters: labels 1..26, label 0 unused
    expect(() => checkClasses(ds(Array.from({ length: 26 }, (_, i) => i + 1)), 'd', { format: 'idx' })).not.toThrow();
  });
});
