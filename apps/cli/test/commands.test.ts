import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runOdl } from './cli-helpers';

describe('odl ranks and odl profile', () => {
  beforeAll(() => ensureCliBuilt());

  it('ranks: the chosen plan is within the budget, and an impossible budget names the smallest memory', { timeout: 300_000 }, () => {
    const budgetBytes = Math.floor(0.01 * 2 ** 20);
    const r = runOdl(['ranks', '--budget-mib', '0.01', '--batch', '8', '--json']);
    expect(r.code).toBe(0);
    const { table, plan } = JSON.parse(r.stdout);
    expect(table.layers).toHaveLength(4);
    expect(plan.totalBytes).toBeLessThanOrEqual(budgetBytes);
    expect(plan.layers.reduce((s: number, l: { bytes: number }) => s + l.bytes, 0)).toBe(plan.totalBytes);
    expect(table.storage).toBe('float32');
    // int8: the same budget buys larger ranks, counted in int8 bytes
    const q = JSON.parse(runOdl(['ranks', '--budget-mib', '0.01', '--batch', '8', '--storage', 'int8', '--json']).stdout);
    expect(q.table.storage).toBe('int8');
    expect(q.plan.totalBytes).toBeLessThanOrEqual(budgetBytes);
    const values = (p: { layers: { ranks: number[] }[] }) => p.layers.reduce((s, l) => s + l.ranks.reduce((a, k) => a * k, 1), 0);
    expect(values(q.plan)).toBeGreaterThan(values(plan));
    const tooSmall = runOdl(['ranks', '--budget-mib', '0.0001', '--batch', '8']);
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.stderr).toMatch(/smallest/i);
  });

  it('profile: MCUNet-in1 at 224×224, batch 128, last 2 layers: vanilla keeps 2 × 128×7×7×576 floats', () => {
    const r = runOdl(['profile', '--model', 'mcunet-in1', '--layers', '2', '--method', 'vanilla,asi', '--mode', 'paper', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const vanilla = report.tables.find((t: { method: string }) => t.method === 'vanilla');
    expect(vanilla.total.activationElements).toBe(2 * 128 * 7 * 7 * 576);
    expect(vanilla.total.activationMiB).toBeCloseTo(27.5625, 10);
    const asi = report.tables.find((t: { method: string }) => t.method === 'asi');
    expect(asi.total.activationElements).toBeLessThan(vanilla.total.activationElements / 100);
  });
});
