export { readBaselineTable, type BaselineTable, type BaselineTableOptions } from './baseline-table.js';
export { readCategoryMapping, readRawDecisions, type RawDecisionTrial } from './cue-conflict.js';
export { parseCsv, readCsv, requireColumns, type CsvTable } from './csv.js';
export { readFactorAnnotations, readImagenetxLabels, readImagenetxPredictions, readPrototypicalPaths } from './imagenetx.js';
export { TESTBED_STANDARD_RULE, parseTestbedModelTypes, readTestbedModelTypes, testbedUsesForLineFit, type TestbedModelTypes } from './testbed-model-types.js';
export { parsePythonIntList } from './python-int-list.js';
