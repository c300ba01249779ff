export * from './cost/index';
export * from './model/index';
export * from './measure/index';
export * from './report/index';
export { profilerTablesMarkdown, paperTables } from './paper-tables';
export type { PaperTablesOptions, ProfilerTablesMarkdownOptions, TableMethod, TableModel, TableSetting, TableContext, PaperTableEntry } from './paper-tables';
