export { formatNumber, formatCompact, formatBytes, formatFlops } from './format';
export { REPORT_SCHEMA_VERSION, costReport, costTablesToCsv, costTableToMarkdown, markdownTable, csvField, type MarkdownTableOptions } from './tables';
export type { CostReport } from './tables';
export { scatterSvg, barChartSvg, paretoFront, PALETTE } from './svg';
export type { PlotPoint, ScatterOptions, BarGroup, BarChartOptions, XY } from './svg';
export { writePlot, plotDataCsv } from './plot-files';
export type { PlotData } from './plot-files';
export { claimRatios } from './claims';
export type { ClaimPoint, ClaimComparison, ClaimRatios, ClaimRatiosOptions } from './claims';
