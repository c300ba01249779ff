import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runOdl } from './cli-helpers';

describe('odl ranks and odl profile', () => {
  beforeAll(() => ensureCliBuilt());

  it('ranks: the chosen plan is within the budget, and an impossible budget names the smallest memory', { timeout: 300_000 }, () => {
    const budgetBytes = Math.floor(0.02 * 2 ** 20);
    const r = runOdl(['ranks', '--budget-mib', '0.02', '--batch', '8', '--json']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    const { table, plan } = result.details;
    expect(result.method).toBe('asi');
    expect(table.layers).toHaveLength(4);
    expect(Object.keys(result.layerOptions)).toEqual(table.layers.map((l: { name: string }) => l.name));
    expect(plan.totalBytes).toBeLessThanOrEqual(budgetBytes);
    expect(result.totalBytes).toBe(plan.totalBytes);
    expect(plan.layers.reduce((s: number, l: { bytes: number }) => s + l.bytes, 0)).toBe(plan.totalBytes);
    // the analytic count of the prepared run is the plan's bytes
    expect(result.analyticBytes).toBe(plan.totalBytes);
    expect(table.storage).toBe('float32');
    // int8: the same budget buys larger ranks, counted in int8 bytes
    const q = JSON.parse(runOdl(['ranks', '--budget-mib', '0.02', '--batch', '8', '--storage', 'int8', '--json']).stdout).details;
    expect(q.table.storage).toBe('int8');
    expect(q.plan.totalBytes).toBeLessThanOrEqual(budgetBytes);
    const values = (p: { layers: { ranks: number[] }[] }) => p.layers.reduce((s, l) => s + l.ranks.reduce((a, k) => a * k, 1), 0);
    expect(values(q.plan)).toBeGreaterThan(values(plan));
    const tooSmall = runOdl(['ranks', '--budget-mib', '0.0001', '--batch', '8']);
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.stderr).toMatch(/smallest/i);
    const noPlanner = runOdl(['ranks', '--method', 'vanilla']);
    expect(noPlanner.code).toBe(2);
    expect(noPlanner.stderr).toMatch(/has no planner/);
  });

  it('profile: MCUNet-in1 at 224×224, batch 128, last 2 layers: vanilla keeps 2 × 128×7×7×576 floats', () => {
    const r = runOdl(['profile', '--model', 'mcunet-in1', '--layers', '2', '--method', 'vanilla,asi', '--ranks', '4,4,4,16', '--mode', 'paper', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const vanilla = report.tables.find((t: { method: string }) => t.method === 'vanilla');
    expect(vanilla.total.activationElements).toBe(2 * 128 * 7 * 7 * 576);
    expect(vanilla.total.activationMiB).toBeCloseTo(27.5625, 10);
    const asi = report.tables.find((t: { method: string }) => t.method === 'asi');
    expect(asi.total.activationElements).toBeLessThan(vanilla.total.activationElements / 100);
    // a method whose cost needs options that are not given is listed as skipped, with the reason
    // `pnpm start -- --json` style: a lone `--` before the options is accepted
    const all = JSON.parse(runOdl(['profile', '--', '--layers', '2', '--json']).stdout);
    expect(all.skipped.map((s: { method: string }) => s.method)).toContain('asi');
    expect(all.tables.map((t: { method: string }) => t.method)).toContain('vanilla');
  });

  it('profile --layers N and finetune --layers N name the same layers', { timeout: 300_000 }, () => {
    for (const n of [2, 5]) {
      // the shipped model: MCUNet-in1, 1 channel, at its resolution
      const trained = JSON.parse(runOdl(['finetune', '--method', 'vanilla', '--layers', String(n), '--epochs', '1', '--batch', '64', '--json']).stdout);
      const compressed = trained.layers.filter((l: { role: string }) => l.role === 'compressed').map((l: { name: string }) => l.name);
      expect(compressed).toHaveLength(n);
      const profiled = JSON.parse(runOdl(['profile', '--model', 'mcunet-in1', '--channels', '1', '--resolution', '64', '--batch', '64', '--layers', String(n), '--method', 'vanilla', '--json']).stdout);
      expect(profiled.layers).toEqual(compressed);
      expect(profiled.tables[0].rows.map((r: { name: string }) => r.name)).toEqual(compressed);
    }
  });
});

describe('odl experiment', () => {
  beforeAll(() => ensureCliBuilt());

  it('runs the sweep and writes the figures, their data and the ratios', { timeout: 300_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'odl-experiment-'));
    try {
      const r = runOdl(['experiment', '--layers', '2', '--ratios', '10', '--epochs', '1', '--out', out, '--json']);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.points.map((p: { label: string }) => p.label)).toEqual(['vanilla N=2', 'asi N=2 /10', 'asi (odl grid) N=2 /10', 'gradient-filter N=2 r=2', 'hosvd N=2 ε=0.8']);
      const vanilla = report.points[0];
      const asi = report.points[1];
      // ASI's budget is vanilla's memory / 10
      expect(asi.activationBytes).toBeLessThanOrEqual(vanilla.activationBytes / 10);
      // the ratios are made of the points: a qualifying memory pair's ratio is its bytes' ratio
      const m = report.ratios.asi.pareto.memoryVsReference;
      if (m != null) expect(m.ratio).toBeCloseTo(m.reference.activationBytes / m.ours.activationBytes, 12);
      for (const f of ['figure1-memory.svg', 'figure1-memory.csv', 'figure1-flops.svg', 'figure1-flops.json', 'summary.md', 'experiment.json']) {
        expect(existsSync(join(out, f)), f).toBe(true);
      }
      const summary = readFileSync(join(out, 'summary.md'), 'utf8');
      expect(summary).toMatch(/120\.09×/);
      // --from redraws the same summary from the recorded experiment.json, without training
      const again = mkdtempSync(join(tmpdir(), 'odl-experiment-from-'));
      try {
        const redraw = runOdl(['experiment', '--from', join(out, 'experiment.json'), '--out', again]);
        expect(redraw.code, redraw.stderr).toBe(0);
        expect(readFileSync(join(again, 'summary.md'), 'utf8')).toBe(summary);
        expect(readFileSync(join(again, 'figure1-memory.svg'), 'utf8')).toBe(readFileSync(join(out, 'figure1-memory.svg'), 'utf8'));
      } finally {
        rmSync(again, { recursive: true, force: true });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('--from names what is wrong with a file that is not an experiment record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'odl-experiment-bad-'));
    try {
      writeFileSync(join(dir, 'truncated.json'), '{"schemaVersion": 1, "kind": "odl-exp');
      const truncated = runOdl(['experiment', '--from', join(dir, 'truncated.json'), '--out', dir]);
      expect(truncated.code).not.toBe(0);
      expect(truncated.stderr).toMatch(/not a readable JSON file/);
      writeFileSync(join(dir, 'partial.json'), JSON.stringify({ schemaVersion: 1, kind: 'odl-experiment', backend: 'wasm', protocol: 'paper', epochs: 1, seed: 0, tolerance: 0.01, seconds: 1, points: [] }));
      const partial = runOdl(['experiment', '--from', join(dir, 'partial.json'), '--out', dir]);
      expect(partial.code).not.toBe(0);
      expect(partial.stderr).toMatch(/missing or malformed layers, budgetRatios, epsilons, radii, points/);
      expect(existsSync(join(dir, 'summary.md'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
