export * from './cost/index';
export * from './specs/index';
export * from './model/index';
export * from './measure/index';
export * from './report/index';
export { profilerTablesMarkdown, paperTables, illustrativeRanks } from './paper-tables';
export type { PaperTablesOptions, ProfilerTablesMarkdownOptions, TableMethod, PaperTableEntry } from './paper-tables';
