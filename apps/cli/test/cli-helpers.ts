import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/cli */
export const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The bundled CLI. */
export const cliPath = join(cliDir, 'dist', 'odl.js');

/** Builds the CLI bundle once per test run (esbuild, a few seconds) so the tests run the real binary. */
export function ensureCliBuilt(): void {
  if (process.env.ODL_CLI_PREBUILT === '1' && existsSync(cliPath)) return;
  execFileSync(process.execPath, ['build.mjs'], { cwd: cliDir, stdio: 'inherit' });
  process.env.ODL_CLI_PREBUILT = '1';
}

/** Runs `odl ...args`; returns exit code, stdout and stderr. */
export function runOdl(args: string[], timeoutMs = 240_000): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What one in-process run of the CLI printed and returned. */
export interface CliRun {
  /** Exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/**
 * Runs `odl ...args` in this process through the CLI's `runCli` (no build, no child process),
 * capturing stdout and stderr.
 */
export async function runOdlInProcess(args: string[]): Promise<CliRun> {
  const { runCli } = await import('../src/cli');
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
