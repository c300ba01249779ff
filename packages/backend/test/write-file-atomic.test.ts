import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArgumentError } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';

describe('writeFileAtomic (@odl/backend/node)', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'odl-atomic-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the folder, writes strings as UTF-8 and bytes as they are, replaces, leaves no temporary file', async () => {
    const file = join(dir, 'a', 'b', 'out.json');
    await writeFileAtomic(file, '{"π": 1}');
    expect(await readFile(file, 'utf8')).toBe('{"π": 1}');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(file))).toEqual([1, 2, 3]);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['out.json']);
  });

  it('removes the temporary file when the rename fails, and leaves the target as it was', async () => {
    const target = join(dir, 'taken');
    await mkdir(join(target, 'inside'), { recursive: true }); // a non-empty folder: rename over it fails
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readdir(target)).toEqual(['inside']);
  });

  it('refuses bad arguments with ArgumentError', async () => {
    await expect(writeFileAtomic('', 'x')).rejects.toThrow(ArgumentError);
    await expect(writeFileAtomic(join(dir, 'x'), 42 as unknown as string)).rejects.toThrow(ArgumentError);
  });
});
