/** Published result tables joined to model factors: the landscape users compare their models with. */
export * from './benchmarks.js';
export * from './identity.js';
export * from './tables.js';
export * from './factors.js';
export * from './stats.js';
export * from './landscape.js';
export { loadLandscapeInput, type LoadedLandscape } from './load.js';
