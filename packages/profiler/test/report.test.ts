import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerShortcut } from '@odl/shortcut';
import { writeFileAtomic } from '@odl/backend/node';
import {
  barChartSvg,
  costReport,
  costTablesToCsv,
  costTableToMarkdown,
  formatBytes,
  formatFlops,
  markdownTable,
  paperTables,
  paretoFront,
  profileModel,
  profilerTablesMarkdown,
  REPORT_SCHEMA_VERSION,
  scatterSvg,
  writePlot,
  type PlotPoint,
} from '@odl/profiler';
import { last } from './layers';

registerShortcut();

const tables = [
  { method: 'vanilla', options: {} },
  { method: 'asi', options: { ranks: [4, 4, 4, 16] } },
].map(({ method, options }) => profileModel({ layers: last(2), method, options, mode: 'paper' }));

/** Illustrative accuracy points (made-up accuracies, fixed) exercising the plot code. */
const points: PlotPoint[] = [
  { series: 'vanilla', label: 'N=2', x: 27.5625, y: 88.1 },
  { series: 'vanilla', label: 'N=4', x: 39.05, y: 89.4 },
  { series: 'asi', label: 'N=2', x: 0.0825, y: 86.9 },
  { series: 'asi', label: 'N=4', x: 0.124, y: 88.7 },
  { series: 'hosvd', label: 'N=4', x: 0.124, y: 88.2 },
];

describe('reports', () => {
  it('JSON has a schema version; CSV has one line per layer plus totals', () => {
    const r = costReport(tables, { model: 'mcunet-in1' });
    expect(r.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(JSON.parse(JSON.stringify(r)).tables[1].rows[0].name).toBe('features.14.conv.1.0');
    const csv = costTablesToCsv(tables).trim().split('\n');
    expect(csv).toHaveLength(1 + 2 * 3);
    // depthwise 3·3·576·576·7·7·128 = 18728091648 (groups ignored) + project 1·1·160·576·49·128 = 578027520
    //   = 19306119168 forward, the same backward (stride 1), 38612238336 in all
    expect(csv[3]).toBe('vanilla,paper,2,TOTAL,,,7225344,28901376,27.5625,19306119168,19306119168,38612238336');
  });

  it('Markdown tables escape pipes and align numeric columns', () => {
    expect(markdownTable(['a', 'b'], [[1, 'x|y']])).toBe('| a | b |\n|---:|---|\n| 1 | x\\|y |\n');
    expect(costTableToMarkdown(tables[1])).toContain('| **total** |');
  });

  it('aligned Markdown tables pad each column to its width (numbers to the right)', () => {
    expect(markdownTable(['run', 'top-1'], [['vanilla', 76.8], ['asi', 100]], { aligned: true })).toBe(
      '| run     | top-1 |\n| ------- | ----: |\n| vanilla |  76.8 |\n| asi     |   100 |\n',
    );
  });

  it('Pareto front keeps the points no other point dominates', () => {
    expect(paretoFront(points).map((p) => `${p.series} ${p.label}`)).toEqual(['asi N=2', 'asi N=4', 'vanilla N=4']);
  });

  it('SVG plots are deterministic (committed snapshots)', async () => {
    const mem = scatterSvg(points, { title: 'accuracy vs activation memory', xLabel: 'activation memory (MiB)', yLabel: 'top-1 accuracy (%)' });
    expect(mem).toBe(scatterSvg(points, { title: 'accuracy vs activation memory', xLabel: 'activation memory (MiB)', yLabel: 'top-1 accuracy (%)' }));
    await expect(mem).toMatchFileSnapshot('./__snapshots__/accuracy-memory.svg');
    const flopsPts = points.map((p, i) => ({ ...p, x: 1e9 * (i + 1) }));
    await expect(scatterSvg(flopsPts, { title: 'accuracy vs FLOPs', xLabel: 'training FLOPs', yLabel: 'top-1 accuracy (%)' })).toMatchFileSnapshot('./__snapshots__/accuracy-flops.svg');
    const groups = tables[0].rows.map((r, i) => ({ label: r.name, values: { vanilla: r.activationMiB, asi: tables[1].rows[i].activationMiB } }));
    await expect(barChartSvg(groups, { title: 'activation memory per layer', yLabel: 'MiB' })).toMatchFileSnapshot('./__snapshots__/memory-per-layer.svg');
    expect(() => scatterSvg([{ series: 'a', label: '', x: 0, y: 1 }], { title: '', xLabel: '', yLabel: '' })).toThrow(/positive values/);
  });

  it('a marker draws a second category as the shape: one colour per series, one line per series and marker', () => {
    const pts = [
      { series: 'asi', marker: 'N=2', label: 'a', x: 0.1, y: 70 },
      { series: 'asi', marker: 'N=2', label: 'b', x: 0.2, y: 72 },
      { series: 'asi', marker: 'N=4', label: 'c', x: 0.3, y: 80 },
      { series: 'asi', marker: 'N=4', label: 'd', x: 0.4, y: 81 },
      { series: 'vanilla', marker: 'N=4', label: 'e', x: 3, y: 83 },
    ];
    const svg = scatterSvg(pts, { title: 't', xLabel: 'x', yLabel: 'y', pareto: false });
    // two lines for asi (N=2 and N=4), none for vanilla's single point
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    // N=2 points and the first legend shape are circles, N=4 squares (3 points + 1 legend)
    expect(svg.match(/<rect x=[^>]*fill="#0072B2"|<rect x=[^>]*fill="#D55E00"|<rect x=[^>]*fill="#555555"/g)).toHaveLength(4);
    expect(svg).toContain('>N=4</text>');
    expect(svg).toContain('<title>asi, N=4 c: x=0.3, y=80</title>');
    const five = [1, 2, 3, 4, 5].map((n) => ({ series: 's', marker: `m${n}`, label: '', x: n, y: n }));
    expect(() => scatterSvg(five, { title: '', xLabel: '', yLabel: '' })).toThrow(/5 markers, at most 4 shapes/);
  });

  it('writePlot writes the svg with its data beside it, atomically (no temp files left)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'odl-profiler-'));
    try {
      const paths = await writePlot(join(dir, 'plots', 'memory'), '<svg/>\n', { columns: ['layer', 'MiB'], rows: [['a,b', 1.5]] });
      expect(paths.map((p) => p.slice(dir.length))).toEqual(['/plots/memory.svg', '/plots/memory.csv', '/plots/memory.json']);
      expect(await readFile(paths[1], 'utf8')).toBe('layer,MiB\n"a,b",1.5\n');
      expect(JSON.parse(await readFile(paths[2], 'utf8'))).toEqual({ schemaVersion: 1, columns: ['layer', 'MiB'], rows: [['a,b', 1.5]] });
      await writeFileAtomic(paths[0], 'second');
      expect(await readFile(paths[0], 'utf8')).toBe('second');
      expect((await readdir(join(dir, 'plots'))).sort()).toEqual(['memory.csv', 'memory.json', 'memory.svg']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the generated tables count the caller\'s layers and methods; a method unavailable somewhere shows why', () => {
    const models = [{ name: 'mcunet-in1 (last block)', settings: [{ lastN: 1, layers: last(1) }, { lastN: 2, layers: last(2) }], notes: ['a note'] }];
    const methods = [
      { method: 'vanilla', label: 'vanilla' },
      {
        method: 'asi',
        label: ({ lastN }: { lastN: number }) => `ASI (N=${lastN})`,
        options: () => ({ ranks: [4, 4, 4, 16] }),
        unavailable: ({ lastN }: { lastN: number }) => (lastN === 1 ? 'no plan fits' : null),
      },
    ];
    const entries = paperTables({ models, methods });
    // ASI keeps the Tucker core and factors: 4·4·4·16 + (128·4 + 7·4 + 7·4 + 576·16) = 10808 elements per layer
    expect(entries.map((e) => `${e.lastN} ${e.label} ${e.exact?.total.activationElements ?? e.unavailable}`)).toEqual([
      '1 vanilla 3612672',
      '1 ASI (N=1) no plan fits',
      '2 vanilla 7225344',
      '2 ASI (N=2) 21616',
    ]);
    const md = profilerTablesMarkdown({ models, methods, generatedBy: 'make tables', notes: ['- the notes'] });
    expect(md).toContain('<!-- generated by `make tables` (profilerTablesMarkdown() of @odl/profiler); do not edit by hand -->');
    expect(md).toContain('| 1 | ASI (N=1) | — | — | — | — | — |');
    expect(md).toContain('| 2 | vanilla | 27.5625 | 19.31G | 19.31G |');
    // with a baseline, each row's memory against it: 7225344 / 21616 = 334.3
    const withBaseline = profilerTablesMarkdown({ models, methods, generatedBy: 'make tables', baseline: 'vanilla' });
    expect(withBaseline).toContain('| N | method | activation MiB | less memory than vanilla | paper fwd |');
    expect(withBaseline).toContain('| 2 | vanilla | 27.5625 | 1× | 19.31G |');
    expect(withBaseline).toContain('| 2 | ASI (N=2) | 0.0825 | 334× |');
    expect(withBaseline).toContain('| 1 | ASI (N=1) | — | — | — |');
    expect(md).toContain('- N = 1, ASI (N=1): no plan fits');
    expect(md).toContain('Fine-tuned layers, N = 2 (model order): `features.14.conv.1.0` (128×7×7×576), `features.14.conv.2` (128×7×7×576).');
    expect(md.indexOf('- the notes')).toBeLessThan(md.indexOf('## mcunet-in1 (last block)'));
    expect(md.indexOf('a note')).toBeGreaterThan(md.indexOf('Fine-tuned layers, N = 2'));
    expect(() => profilerTablesMarkdown({ models, methods: [], generatedBy: '' })).toThrow(/give the methods to count/);
    expect(() => paperTables({ models: [], methods })).toThrow(/give the models with their fine-tuned layers/);
  });

  it('formatBytes and formatFlops: three significant digits in the largest unit that keeps the value ≥ 1; exact counts below', () => {
    expect(formatFlops(52022476800)).toBe('52.0 GFLOPs');
    expect(formatFlops(3.2e6)).toBe('3.20 MFLOPs');
    expect(formatFlops(2.5e12)).toBe('2.50 TFLOPs');
    expect(formatFlops(512)).toBe('512 FLOPs');
    expect(formatBytes(28901376)).toBe('27.6 MiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
    expect(formatBytes(100)).toBe('100 B');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatFlops(Number.POSITIVE_INFINITY)).toBe('—');
  });

  it('costTableToMarkdown shows people units; the CSV keeps the exact counts', () => {
    const md = costTableToMarkdown(tables[0]!);
    const csv = costTablesToCsv([tables[0]!]);
    expect(md).toContain(formatBytes(tables[0]!.total.activationBytes));
    expect(md).toContain(formatFlops(tables[0]!.total.totalFlops));
    expect(md).not.toContain(String(tables[0]!.total.totalFlops));
    expect(csv).toContain(String(tables[0]!.total.totalFlops));
  });
});
