import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MissingFileError, UnreadableFileError, hasDebianFashionMnist, loadImageFolderFromDisk, loadCifarFiles, loadFashionMnistFromDebian, loadIdxFiles, readFileBytes,
} from '@odl/datasets';
import { cifarRecord, concatBytes, idxBytes, lcgBytes } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'odl-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Node file helpers', () => {
  it('loads IDX files from disk (gz images, raw labels)', async () => {
    const px = lcgBytes(3 * 4 * 4, 8);
    writeFileSync(join(dir, 'img.gz'), gzipSync(idxBytes([3, 4, 4], px)));
    writeFileSync(join(dir, 'lab.idx'), idxBytes([3], [2, 0, 1]));
    const ds = await loadIdxFiles(join(dir, 'img.gz'), join(dir, 'lab.idx'));
    expect(ds.shape).toEqual([3, 4, 4, 1]);
    expect(Array.from(ds.labels)).toEqual([2, 0, 1]);
    expect(Buffer.from(ds.images).equals(Buffer.from(px))).toBe(true);
    await expect(loadIdxFiles(join(dir, 'img.gz'), join(dir, 'nope.idx'))).rejects.toThrow(MissingFileError);
  });

  it('loads and concatenates CIFAR batches from disk', async () => {
    writeFileSync(join(dir, 'b1.bin'), concatBytes([cifarRecord([1], () => 1), cifarRecord([2], () => 2)]));
    writeFileSync(join(dir, 'b2.bin'), cifarRecord([7], () => 7));
    const ds = await loadCifarFiles([join(dir, 'b1.bin'), join(dir, 'b2.bin')], { variant: 'cifar10' });
    expect(ds.shape).toEqual([3, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([1, 2, 7]);
    expect([ds.images[0], ds.images[3072], ds.images[2 * 3072 + 5]]).toEqual([1, 2, 7]);
    writeFileSync(join(dir, 'c100.bin'), cifarRecord([3, 77], () => 0));
    expect(Array.from((await loadCifarFiles([join(dir, 'c100.bin')], { variant: 'cifar100', labels: 'coarse' })).labels)).toEqual([3]);
  });

  it('every loader from disk takes maxBytes, checked before a file is read', async () => {
    writeFileSync(join(dir, 'big-img.idx'), idxBytes([3, 4, 4], lcgBytes(3 * 4 * 4, 9)));
    writeFileSync(join(dir, 'big-lab.idx'), idxBytes([3], [2, 0, 1]));
    const idxSize = 4 + 3 * 4 + 3 * 4 * 4;
    await expect(loadIdxFiles(join(dir, 'big-img.idx'), join(dir, 'big-lab.idx'), { maxBytes: idxSize - 1 })).rejects.toThrow(UnreadableFileError);
    expect((await loadIdxFiles(join(dir, 'big-img.idx'), join(dir, 'big-lab.idx'), { maxBytes: idxSize })).shape).toEqual([3, 4, 4, 1]);
    writeFileSync(join(dir, 'one.bin'), cifarRecord([4], () => 4));
    await expect(loadCifarFiles([join(dir, 'one.bin')], { variant: 'cifar10', maxBytes: 3072 })).rejects.toThrow(/more than maxBytes=3072/);
    expect((await loadCifarFiles([join(dir, 'one.bin')], { variant: 'cifar10', maxBytes: 3073 })).shape).toEqual([1, 32, 32, 3]);
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'a'), { recursive: true });
    writeFileSync(join(folder, 'a', 'x.png'), new Uint8Array(100));
    await expect(loadImageFolderFromDisk(folder, { maxBytes: 99 })).rejects.toThrow(/more than maxBytes=99/);
  });

  it('reports a missing Debian dataset clearly', async () => {
    expect(await hasDebianFashionMnist(join(dir, 'none'))).toBe(false);
    await expect(loadFashionMnistFromDebian('train', join(dir, 'none'))).rejects.toThrow(/install the Debian package dataset-fashion-mnist/);
    await expect(readFileBytes(join(dir, 'none.bin'))).rejects.toThrow(MissingFileError);
  });
});
