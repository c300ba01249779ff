import { describe, expect, it } from 'vitest';
import { tf } from '@odl/backend';
import { benchVitMethods } from '../src/bench/vit-methods';

// The suite's wiring on a small batch (the figures themselves come from `odl bench --only vit-methods`).
describe('vit-methods bench suite', () => {
  it('times every method on the shipped ViT, compares WASI with LoRA and its factored product, and leaks nothing', async () => {
    const rows = await benchVitMethods({ batches: [4], rounds: 1 });
    const title = 'ViT (vit-fmnist04, 17 tokens, width 64), batch 4, last 4 MLP linears';
    const row = (suffix: string) => {
      const r = rows.find((x) => x.name === `${title} — ${suffix}`);
      if (r == null) throw new Error(`no row '${suffix}'`);
      return r;
    };
    for (const m of ['vanilla', 'asi', 'lora r=4', 'wasi ε=0.9']) {
      expect(row(`${m}: inference, whole model from images`).value).toBeGreaterThan(0);
      expect(row(`${m}: inference, as the session evaluates (from the frozen features)`).value).toBeGreaterThan(0);
    }
    expect(row('wasi ε=0.9: training step (forward, backward, clip, update, basis refresh)').value).toBeGreaterThan(0);
    const bytes = (m: string) => row(`${m}: analytic activation bytes of the fine-tuned linears`).value;
    expect(bytes('asi')).toBeLessThan(bytes('vanilla'));
    expect(bytes('wasi ε=0.9')).toBe(bytes('asi'));
    expect(bytes('lora r=4')).toBe(bytes('vanilla'));
    for (const r of ['training step, LoRA / WASI', 'training step, vanilla / wasi ε=0.9', "WASI's linears, merged dense / factored"]) expect(row(r).value).toBeGreaterThan(0);
    const ranks = row("WASI's weight ranks at ε = 0.9 (first step, explained variance)");
    expect(ranks.note).toMatch(/encoder_layer_3\.mlp\.3 r=\d+\/64/);
    expect(ranks.value).toBeGreaterThan(1);
    expect(ranks.value).toBeLessThanOrEqual(64);
    expect(row('tensors leaked over the measured rounds').value).toBe(0);
    expect(rows.at(-1)).toMatchObject({ name: 'tensors alive after the suite minus before', value: 0 });
    expect(tf.getBackend()).toBe('wasm');
  }, 180_000);
});
