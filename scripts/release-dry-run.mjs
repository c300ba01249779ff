#!/usr/bin/env node
// Release dry run (CI runs it from `pnpm verify`; DEVELOPERS.md, "Release dry run"): what a
// release publishes, installed and used the way a stranger would, outside this workspace.
//
//  1. copy the repository (tracked and untracked, not ignored files, plus the built dist/ of the
//     published packages: run `pnpm build` first) to a scratch folder under os.tmpdir();
//  2. `changeset version` there (the CHANGELOGs and version bumps appear in the copy only);
//  3. `pnpm pack` every published package (workspace: ranges become the new versions);
//  4. a scratch project (its own package.json, no workspace above it) that `npm install`s the
//     tarballs, tfjs-core and the backends the snippets use, from the npm registry;
//  5. every ```ts snippet of every published package's README type-checked with tsc against the
//     installed packages; the ones marked `<!-- snippet: run -->` also run with Node;
//  6. `odl --version` and `odl profile` from the installed CLI;
//  7. the tfjs-core peer range: a small training run on cpu and wasm with the oldest and the newest
//     version the range of @odl/backend's peer dependency allows;
//  8. a Vite app and an esbuild app built from the tarballs, fine-tuning on wasm in Chromium
//     (test/outside/, run by vitest with test/outside/vitest.config.ts).
//
// Usage: node scripts/release-dry-run.mjs [--keep] [--skip-browser]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishedPackages } from './release/published.mjs';
import { readmeSnippets } from './release/readme-snippets.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const KEEP = args.has('--keep');
const SKIP_BROWSER = args.has('--skip-browser');

/** The published packages, as folders of the workspace (the ignored ones are never packed). */
const PUBLISHED = publishedPackages(ROOT).map((p) => p.dir);
/** Backends the README snippets and the peer-range runs use (optional peers: installed explicitly). */
const TFJS_BACKENDS = ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];

const started = Date.now();
const phases = [];
let phaseStart = started;
function phase(name) {
  const now = Date.now();
  if (phases.length > 0) phases[phases.length - 1].seconds = (now - phaseStart) / 1000;
  phases.push({ name, seconds: 0 });
  phaseStart = now;
  console.log(`\n== release dry run: ${name}`);
}

let scratch = null;
function fail(message) {
  console.error(`\nrelease dry run FAILED: ${message}`);
  if (scratch != null) console.error(`(scratch folder left for a look: ${scratch})`);
  process.exit(1);
}

/** Runs a command, streaming its output; fails the dry run with `what` when it exits non-zero. */
function run(cmd, argv, { cwd, env, what, timeoutMs = 600_000, capture = false } = {}) {
  const r = spawnSync(cmd, argv, {
    cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs,
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    const out = capture ? `\n${r.stdout ?? ''}${r.stderr ?? ''}` : '';
    fail(`${what ?? `${cmd} ${argv.join(' ')}`} (in ${cwd}) exited with ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}${out}`);
  }
  return r.stdout ?? '';
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

// ---------------------------------------------------------------------------------------------
phase('copy the repository');
scratch = mkdtempSync(join(tmpdir(), 'odl-release-'));
const copy = join(scratch, 'repo');
for (const dir of PUBLISHED) {
  if (!existsSync(join(ROOT, dir, 'dist'))) fail(`${dir}/dist is missing: run \`pnpm build\` first`);
}
const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  .split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)));
for (const f of files) cpSync(join(ROOT, f), join(copy, f), { dereference: false });
for (const dir of PUBLISHED) cpSync(join(ROOT, dir, 'dist'), join(copy, dir, 'dist'), { recursive: true });
console.log(`${files.length} files and ${PUBLISHED.length} dist/ folders copied to ${copy}`);

// ---------------------------------------------------------------------------------------------
phase('changeset version');
const statusBefore = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
// (`changeset status` needs git history against the base branch, which the copy has not; the
// pending changesets are checked by test/changesets.test.ts and by `changeset version` below.)
const versionsBefore = Object.fromEntries(PUBLISHED.map((d) => [d, readJson(join(copy, d, 'package.json')).version]));
run(bin('changeset'), ['version'], { cwd: copy, what: 'changeset version' });
const pending = readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
if (pending.length > 0) fail(`changeset version left changesets behind: ${pending.join(', ')}`);
const versions = {};
for (const dir of PUBLISHED) {
  const pkg = readJson(join(copy, dir, 'package.json'));
  versions[pkg.name] = pkg.version;
  const bumped = pkg.version !== versionsBefore[dir];
  if (bumped && !existsSync(join(copy, dir, 'CHANGELOG.md'))) fail(`${pkg.name} was bumped to ${pkg.version} but has no CHANGELOG.md`);
  console.log(`${pkg.name}: ${versionsBefore[dir]} -> ${pkg.version}${bumped ? ' (CHANGELOG.md written)' : ''}`);
}
if (execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }) !== statusBefore) {
  fail('changeset version changed the repository itself; it must only touch the scratch copy');
}

// ---------------------------------------------------------------------------------------------
phase('pnpm pack');
// pnpm pack turns `workspace:` ranges into the versions of the packages it finds installed; the
// copy has no node_modules, so each package gets links to the copy's workspace packages.
const workspaceDirs = {};
for (const parent of ['packages', 'apps']) {
  for (const d of readdirSync(join(copy, parent))) {
    const manifest = join(copy, parent, d, 'package.json');
    if (existsSync(manifest)) workspaceDirs[readJson(manifest).name] = join(copy, parent, d);
  }
}
const tarballDir = join(scratch, 'tarballs');
mkdirSync(tarballDir);
const tarballs = {};
for (const dir of PUBLISHED) {
  const pkgDir = join(copy, dir);
  const pkg = readJson(join(pkgDir, 'package.json'));
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (!String(range).startsWith('workspace:')) continue;
      if (workspaceDirs[name] == null) fail(`${pkg.name} depends on ${name} (${range}), which is not in the workspace`);
      const link = join(pkgDir, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      if (!existsSync(link)) symlinkSync(workspaceDirs[name], link, 'dir');
    }
  }
  const out = run('pnpm', ['pack', '--pack-destination', tarballDir], { cwd: pkgDir, what: `pnpm pack of ${pkg.name}`, capture: true });
  const tarball = out.trim().split('\n').pop().trim();
  if (!tarball.endsWith('.tgz') || !existsSync(tarball)) fail(`pnpm pack of ${pkg.name} printed no tarball:\n${out}`);
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  if (JSON.stringify(manifest).includes('workspace:')) fail(`${pkg.name}'s packed package.json still has a workspace: range`);
  if (!listing.includes('package/README.md')) fail(`${pkg.name}'s tarball has no README.md`);
  tarballs[pkg.name] = tarball;
  console.log(`${pkg.name}@${manifest.version}: ${tarball}`);
}

// ---------------------------------------------------------------------------------------------
phase('npm install in a project outside the workspace');
const backendManifest = readJson(join(copy, 'packages/backend/package.json'));
const tfjsRange = backendManifest.peerDependencies?.['@tensorflow/tfjs-core'];
if (tfjsRange == null) fail('@odl/backend declares no @tensorflow/tfjs-core peer range');
/** Every published tfjs-core version the peer range allows, oldest first (one registry look-up). */
const allowed = JSON.parse(run('npm', ['view', `@tensorflow/tfjs-core@${tfjsRange}`, 'version', '--json'], { cwd: scratch, capture: true, what: 'npm view @tensorflow/tfjs-core' }));
const semverKey = (v) => v.split(/[.+-]/).slice(0, 3).map(Number);
const tfjsVersions = [allowed].flat().sort((a, b) => {
  const [x, y] = [semverKey(a), semverKey(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
});
if (tfjsVersions.length === 0) fail(`no published @tensorflow/tfjs-core satisfies the peer range ${tfjsRange}`);
const oldestTfjs = tfjsVersions[0];
const newestTfjs = tfjsVersions[tfjsVersions.length - 1];
console.log(`@tensorflow/tfjs-core peer range ${tfjsRange}: oldest ${oldestTfjs}, newest ${newestTfjs}`);

const project = join(scratch, 'project');
mkdirSync(project);
const rootManifest = readJson(join(ROOT, 'package.json'));
const webManifest = readJson(join(ROOT, 'apps/web/package.json'));
const odlDeps = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
/** tfjs-core, the backends above and every other tfjs package a published package requires as a peer (e.g. tfjs-layers), all at one version. */
const requiredTfjsPeers = publishedPackages(copy).flatMap(({ manifest }) =>
  Object.keys(manifest.peerDependencies ?? {}).filter((n) => n.startsWith('@tensorflow/') && manifest.peerDependenciesMeta?.[n]?.optional !== true));
const tfjsDeps = (v) => Object.fromEntries([...new Set(['@tensorflow/tfjs-core', ...TFJS_BACKENDS, ...requiredTfjsPeers])].map((n) => [n, v]));
writeFileSync(join(project, 'package.json'), JSON.stringify({
  name: 'odl-outside-project',
  private: true,
  type: 'module',
  dependencies: { ...odlDeps, ...tfjsDeps(newestTfjs) },
  devDependencies: {
    typescript: rootManifest.devDependencies.typescript,
    '@types/node': rootManifest.devDependencies['@types/node'],
    vite: webManifest.devDependencies.vite,
    esbuild: rootManifest.devDependencies.esbuild,
  },
  // The tarballs depend on each other at versions not on the registry yet.
  overrides: odlDeps,
}, null, 2));
const npmInstall = (extra = []) => run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...extra], { cwd: project, what: 'npm install in the scratch project' });
npmInstall();

// ---------------------------------------------------------------------------------------------
phase('README snippets: type-check');
const snippetDir = join(project, 'snippets');
mkdirSync(snippetDir);
const toRun = [];
let snippetCount = 0;
for (const dir of PUBLISHED) {
  const readme = join(copy, dir, 'README.md');
  const name = readJson(join(copy, dir, 'package.json')).name;
  const snippets = readmeSnippets(readFileSync(readme, 'utf8'), `${dir}/README.md`);
  snippets.forEach((s, i) => {
    const base = `${name.replace('@odl/', '')}-${i + 1}`;
    writeFileSync(join(snippetDir, `${base}.ts`), `// ${dir}/README.md, line ${s.line}\n${s.code}`);
    if (s.run) toRun.push({ base, where: `${dir}/README.md:${s.line}` });
    snippetCount++;
  });
}
writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
    lib: ['ES2022', 'DOM'], outDir: 'out', rootDir: 'snippets', skipLibCheck: false,
  },
  include: ['snippets'],
}, null, 2));
{
  // skipLibCheck is off so that odl's own declarations are checked as a user's compiler sees them;
  // tfjs' declarations are not odl's to fix (tfjs-layers 4.22's do not compile under strict
  // TypeScript 5.9), so errors inside node_modules/@tensorflow/ are reported and left out.
  const r = spawnSync(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const errors = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((line) => /error TS\d+/.test(line));
  const ours = errors.filter((line) => !line.startsWith('node_modules/@tensorflow/'));
  if (errors.length > ours.length) console.log(`(${errors.length - ours.length} errors inside tfjs' own declarations left out)`);
  if (ours.length > 0 || (r.status !== 0 && errors.length === 0)) {
    console.error(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    fail(`tsc on the README snippets (snippets/<package>-<n>.ts is the n-th \`\`\`ts block of the package's README; its line L is README line <fence line, in its first comment> + L - 1): ${ours.length} errors\n${ours.join('\n')}`);
  }
}
console.log(`${snippetCount} snippets type-checked, ${toRun.length} marked to run`);

// ---------------------------------------------------------------------------------------------
phase('README snippets: run');
for (const s of toRun) {
  console.log(`-- ${s.where}`);
  run('node', [join(project, 'out', `${s.base}.js`)], { cwd: project, what: `the snippet at ${s.where}`, timeoutMs: 180_000 });
}

// ---------------------------------------------------------------------------------------------
phase('the installed odl command');
const odl = join(project, 'node_modules/.bin/odl');
const shown = run(odl, ['--version'], { cwd: project, capture: true, what: 'odl --version' }).trim();
if (shown !== versions['@odl/cli']) fail(`odl --version printed '${shown}', expected ${versions['@odl/cli']}`);
const profile = JSON.parse(run(odl, ['profile', '--layers', '2', '--json'], { cwd: project, capture: true, what: 'odl profile --layers 2 --json' }));
console.log(`odl --version: ${shown}; odl profile --layers 2 --json: ${Object.keys(profile).join(', ')}`);

// ---------------------------------------------------------------------------------------------
phase('tfjs-core peer range');
const peerRun = (where, version) => {
  const peerScript = join(where, 'peer-training.mjs');
  cpSync(join(ROOT, 'test/outside/peer-training.mjs'), peerScript); // resolves @odl/* from that project
  for (const backend of ['cpu', 'wasm']) {
    console.log(`-- tfjs-core ${version}, ${backend}`);
    run('node', [peerScript, backend, version], { cwd: where, what: `training with tfjs-core ${version} on ${backend}`, timeoutMs: 180_000 });
  }
};
peerRun(project, newestTfjs);
if (oldestTfjs !== newestTfjs) {
  // A project of its own: the libraries at the oldest tfjs the range allows (the CLI, an app, pins
  // its own tfjs and stays out).
  const oldest = join(scratch, 'project-oldest-tfjs');
  mkdirSync(oldest);
  const libraries = Object.fromEntries(Object.entries(odlDeps).filter(([name]) => name !== '@odl/cli'));
  writeFileSync(join(oldest, 'package.json'), JSON.stringify({
    name: 'odl-outside-oldest-tfjs', private: true, type: 'module',
    dependencies: { ...libraries, ...tfjsDeps(oldestTfjs) }, overrides: libraries,
  }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: oldest, what: `npm install with tfjs ${oldestTfjs}` });
  peerRun(oldest, oldestTfjs);
}

// ---------------------------------------------------------------------------------------------
if (!SKIP_BROWSER) {
  phase('browser apps (Vite, esbuild) on wasm in Chromium');
  const apps = join(project, 'apps');
  cpSync(join(ROOT, 'test/outside/apps'), apps, { recursive: true });
  // The apps are type-checked here, against the installed packages (the workspace's tsconfig leaves them out).
  writeFileSync(join(apps, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true,
      lib: ['ES2022', 'DOM', 'DOM.Iterable'], skipLibCheck: true, // the libraries' declarations were checked with the snippets
    },
    include: ['shared', 'vite', 'esbuild'],
  }, null, 2));
  run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: apps, what: 'tsc on the outside apps' });
  run(join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], { cwd: join(apps, 'vite'), what: 'vite build of the outside app' });
  run('node', ['build.mjs'], { cwd: join(apps, 'esbuild'), what: 'esbuild build of the outside app' });
  run(bin('vitest'), ['run', '--config', 'test/outside/vitest.config.ts'], {
    cwd: ROOT,
    env: { ODL_OUTSIDE_APPS: JSON.stringify({ vite: join(apps, 'vite/dist'), esbuild: join(apps, 'esbuild/dist') }) },
    what: 'the outside apps\' browser test',
  });
}

phase('done');
phases.pop();
const total = (Date.now() - started) / 1000;
console.log('\nrelease dry run passed:');
for (const p of phases) console.log(`  ${p.name.padEnd(48)} ${p.seconds.toFixed(1).padStart(6)} s`);
console.log(`  ${'total'.padEnd(48)} ${total.toFixed(1).padStart(6)} s`);
if (KEEP) console.log(`scratch folder kept: ${scratch}`);
else rmSync(scratch, { recursive: true, force: true });
