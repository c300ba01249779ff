import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OdlError } from '@odl/backend';
import { findPackageAsset, type PackageAssetLookup } from '@odl/backend/node';

const ENV = 'ODL_TEST_PACKAGE_ASSET_DIR';

describe('findPackageAsset (@odl/backend/node)', () => {
  let root = '';
  let lookup: PackageAssetLookup;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'odl-asset-'));
    // A module at <root>/pkg/src/mod.js whose assets would sit in <root>/pkg/assets/.
    lookup = {
      envVar: ENV,
      relativeUrl: '../assets/',
      baseUrl: pathToFileURL(join(root, 'pkg', 'src', 'mod.js')).href,
      packageName: '@odl-test/no-such-package',
      subpath: 'assets',
      marker: 'marker.bin',
    };
    delete process.env[ENV];
  });
  afterEach(async () => {
    delete process.env[ENV];
    await rm(root, { recursive: true, force: true });
  });

  async function folderWithMarker(...parts: string[]): Promise<string> {
    const dir = join(root, ...parts);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'marker.bin'), 'x');
    return dir;
  }

  it('finds the folder next to the calling module', async () => {
    await folderWithMarker('pkg', 'assets');
    expect(await findPackageAsset(lookup)).toBe(join(root, 'pkg', 'assets') + sep);
  });

  it('the environment variable wins over the folder next to the module', async () => {
    await folderWithMarker('pkg', 'assets');
    const override = await folderWithMarker('elsewhere');
    process.env[ENV] = override;
    expect(await findPackageAsset(lookup)).toBe(override);
  });

  it('skips an environment variable whose folder lacks the marker', async () => {
    await folderWithMarker('pkg', 'assets');
    process.env[ENV] = join(root, 'empty');
    expect(await findPackageAsset(lookup)).toBe(join(root, 'pkg', 'assets') + sep);
  });

  it('finds the folder inside the installed package, resolved from the calling module', async () => {
    const pkg = join(root, 'node_modules', '@odl-test', 'no-such-package');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@odl-test/no-such-package', version: '0.0.0' }));
    const assets = await folderWithMarker('node_modules', '@odl-test', 'no-such-package', 'assets');
    expect(await findPackageAsset(lookup)).toBe(assets);
  });

  it('found nowhere: the default error lists every folder tried and names the variable', async () => {
    process.env[ENV] = join(root, 'empty');
    const err = await findPackageAsset(lookup).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OdlError);
    expect((err as OdlError).code).toBe('missing-asset');
    const message = (err as Error).message;
    expect(message).toContain(join(root, 'empty'));
    expect(message).toContain(join(root, 'pkg', 'assets'));
    expect(message).toContain(ENV);
  });

  it('found nowhere: notFound builds the caller\'s error from the folders tried', async () => {
    process.env[ENV] = join(root, 'empty');
    let seen: string[] = [];
    const err = await findPackageAsset({
      ...lookup,
      notFound: (tried) => {
        seen = tried;
        return new RangeError(`nothing in ${tried.join(', ')}`);
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect(seen.slice(0, 2)).toEqual([join(root, 'empty'), join(root, 'pkg', 'assets') + sep]);
  });
});
