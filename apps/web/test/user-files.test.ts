// The user's files, checked when picked: the page's sorting of a picked folder (hidden files
// dropped, non-images skipped by name, the folder's own name taken off), the worker's decoding
// of each file with @odl/datasets' decoder (bad ones skipped with the reason, the rest kept), the
// judgement of what remains, and the summary line the page shows.
import { createNodeImageDecoder } from '@odl/datasets';
import { encodePng } from '@odl/test-utils';
import { describe, expect, it } from 'vitest';
import { NO_USER_IMAGES, type UserDataSummary } from '../src/protocol';
import { sortPickedFiles, withoutSharedRoot } from '../src/ui/picked-files';
import { applyMessage, initialState } from '../src/ui/state';
import { userDataBlocker, userSummaryText } from '../src/ui/user-summary';
import { checkUserFiles, indexUserFiles, userDataProblem, userDataSummary } from '../src/worker/user-files';

const png = (value: number) => new Uint8Array(encodePng(new Uint8Array(8 * 8).fill(value), 8, 8, 1));
/** `n` good PNGs under `cls/`. */
const goodFiles = (cls: string, n: number) => Array.from({ length: n }, (_, i) => ({ path: `${cls}/${i}.png`, bytes: png(10 * i) }));

describe('withoutSharedRoot', () => {
  it('drops the picked folder', () => {
    expect(withoutSharedRoot(['pets/cat/1.jpg', 'pets/dog/2.jpg'])).toEqual(['cat/1.jpg', 'dog/2.jpg']);
  });
  it('keeps class/file paths', () => {
    expect(withoutSharedRoot(['cat/1.jpg', 'dog/2.jpg'])).toEqual(['cat/1.jpg', 'dog/2.jpg']);
  });
  it('keeps paths with different tops', () => {
    expect(withoutSharedRoot(['a/cat/1.jpg', 'b/dog/2.jpg'])).toEqual(['a/cat/1.jpg', 'b/dog/2.jpg']);
  });
});

describe('sortPickedFiles', () => {
  it('reads images, skips other files by name with the reason, drops hidden files and the picked folder', () => {
    const picked = sortPickedFiles(['pets/cat/1.PNG', 'pets/.DS_Store', 'pets/cat/notes.txt', 'pets/dog/.hidden/2.png', 'pets/dog/2.webp', 'pets/dog/README']);
    expect(picked.images).toEqual([
      { index: 0, path: 'cat/1.PNG' },
      { index: 4, path: 'dog/2.webp' },
    ]);
    expect(picked.ignored.map((f) => f.path)).toEqual(['cat/notes.txt', 'dog/README']);
    expect(picked.ignored[0].reason).toMatch(/^not an image file \(\.txt\)/);
    expect(picked.ignored[1].reason).toMatch(/^not an image file \(no extension\)/);
  });
});

describe('checkUserFiles', () => {
  it('keeps the files that decode and lists the others with the decoder\'s reason, without throwing', async () => {
    const decoder = await createNodeImageDecoder();
    const good = goodFiles('a', 3);
    const truncated = png(50).subarray(0, 40);
    const files = [
      ...good,
      { path: 'a/cut.png', bytes: truncated },
      { path: 'b/fake.jpg', bytes: new TextEncoder().encode('not a jpeg at all') },
      { path: 'loose.png', bytes: png(1) },
      ...goodFiles('b', 2),
    ];
    const checked = await checkUserFiles(files, decoder);
    expect(Object.keys(checked.good).sort()).toEqual(['a/0.png', 'a/1.png', 'a/2.png', 'b/0.png', 'b/1.png']);
    expect(checked.good['a/1.png']).toBe(good[1].bytes);
    expect(checked.skipped.map((s) => s.path)).toEqual(['a/cut.png', 'b/fake.jpg', 'loose.png']);
    expect(checked.skipped[0].reason).toMatch(/truncated/);
    expect(checked.skipped[0].reason).not.toMatch(/^your images/); // the reason, not the file name again
    expect(checked.skipped[1].reason).toMatch(/JPEG/);
    expect(checked.skipped[2].reason).toMatch(/not inside a class folder/);
  });
});

describe('userDataProblem and userDataSummary', () => {
  const decoder = createNodeImageDecoder();
  const summarize = async (files: { path: string; bytes: Uint8Array }[], ignored = 0) => {
    const checked = await checkUserFiles(files, await decoder);
    return userDataSummary(await indexUserFiles(checked.good), checked.skipped, files.length + ignored);
  };

  it('counts the usable images per class and lists the skipped ones by path', async () => {
    const s = await summarize([...goodFiles('b', 5), { path: 'a/bad.png', bytes: new Uint8Array([1, 2, 3]) }, ...goodFiles('a', 4)]);
    expect(s).toMatchObject({ classNames: ['a', 'b'], counts: [4, 5], total: 9, problem: null });
    expect(s.skipped.map((f) => f.path)).toEqual(['a/bad.png']);
  });
  it('says why nothing usable remains', async () => {
    expect((await summarize([{ path: 'a/x.png', bytes: new Uint8Array(4) }, { path: 'b/y.png', bytes: new Uint8Array(4) }])).problem)
      .toBe('none of the 2 files is a usable image; see the skipped files');
    expect((await summarize([])).problem).toMatch(/^no images of your own yet/);
    expect((await summarize([...goodFiles('a', 3), { path: 'b/y.png', bytes: new Uint8Array(4) }])).problem).toMatch(/all in one class \('a'\)/);
    expect((await summarize([...goodFiles('a', 1), ...goodFiles('b', 1)])).problem).toMatch(/too few usable images to hold any out/);
  });
  it('needs no index for the empty case', () => {
    expect(userDataProblem(null, 3)).toBe('none of the 3 files is a usable image; see the skipped files');
  });
});

describe('userSummaryText', () => {
  const summary = (over: Partial<UserDataSummary>): UserDataSummary => ({ classNames: [], counts: [], total: 0, skipped: [], problem: null, ...over });
  it('gives the usable count, the skipped count and the classes', () => {
    const skipped = [{ path: 'a/x.png', reason: 'bad' }, { path: 'b/y.png', reason: 'bad' }];
    expect(userSummaryText(summary({ classNames: ['a', 'b'], counts: [19, 19], total: 38, skipped }))).toBe('38 images, 2 skipped · 2 classes: a (19), b (19)');
    expect(userSummaryText(summary({ classNames: ['a'], counts: [1], total: 1 }))).toBe('1 image, 0 skipped · 1 class: a (1)');
    expect(userSummaryText(summary({ skipped }))).toBe('0 images, 2 skipped.');
    expect(userSummaryText(summary({}))).toBe('No images yet.');
    expect(userSummaryText(null)).toBe('No images yet.');
  });
  it('is kept in the state from the worker\'s message', () => {
    const s = initialState();
    const data = summary({ classNames: ['a', 'b'], counts: [3, 3], total: 6, skipped: [{ path: 'a/x.png', reason: 'bad' }], problem: null });
    applyMessage(s, { type: 'user-data', ...data });
    expect(s.userData).toEqual(data);
  });
});

describe('userDataBlocker', () => {
  const ok: UserDataSummary = { classNames: ['a', 'b'], counts: [4, 4], total: 8, skipped: [], problem: null };
  it('keeps Start disabled while "My images" has nothing usable, is being checked, or has a problem', () => {
    expect(userDataBlocker({ chosen: false, checking: 3, summary: null })).toBeNull();
    expect(userDataBlocker({ chosen: true, checking: null, summary: null })).toBe(NO_USER_IMAGES);
    expect(userDataBlocker({ chosen: true, checking: 12, summary: ok })).toBe('checking 12 files…');
    expect(userDataBlocker({ chosen: true, checking: null, summary: { ...ok, total: 0, problem: 'none usable' } })).toBe('none usable');
    expect(userDataBlocker({ chosen: true, checking: null, summary: ok })).toBeNull();
  });
});
