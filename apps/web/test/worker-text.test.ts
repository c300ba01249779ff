// Unit tests of the worker's text helpers (no browser): a layer's options as shown on the page,
// and a planner's tables as log lines.
import { describe, expect, it } from 'vitest';
import type { OptionSpec } from '../src/protocol';
import { optionsText } from '../src/worker/layers';
import { planTableLines } from '../src/worker/plan-log';

describe('optionsText', () => {
  const specs: OptionSpec[] = [
    { name: 'ranks', type: 'integer-list', min: 1, doc: 'per mode' },
    { name: 'storage', type: 'enum', values: ['float32', 'int8'], default: 'float32', doc: 'how kept' },
    { name: 'grid', type: 'number-list', default: [0.4, 0.5], doc: 'ε grid' },
    { name: 'probe', type: 'integer', costOnly: true, doc: 'cost only' },
  ];
  it('shows the values that differ from the declared defaults, lists in brackets', () => {
    expect(optionsText({ ranks: [2, 3, 3, 8], storage: 'int8', grid: [0.4, 0.5], probe: 3 }, specs)).toBe('ranks [2, 3, 3, 8], storage int8');
  });
  it('says so when every value is a default', () => {
    expect(optionsText({ storage: 'float32', grid: [0.4, 0.5] }, specs)).toBe('defaults');
    expect(optionsText({}, [])).toBe('defaults');
  });
  it('shows values of options the declarations do not list', () => {
    expect(optionsText({ seed: 3 }, specs)).toBe('seed 3');
  });
});

describe('planTableLines', () => {
  it('prints the title, then header and rows in aligned columns', () => {
    const lines = planTableLines({ title: 'rows kept per layer', columns: ['layer', 'k', 'bytes'], rows: [['features.14.conv.2', 4, 1280], ['classifier', 16, 64]] });
    expect(lines).toEqual([
      'rows kept per layer:',
      '  layer               k   bytes',
      '  features.14.conv.2  4   1280',
      '  classifier          16  64',
    ]);
  });
});
