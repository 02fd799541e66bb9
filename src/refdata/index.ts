/** Reference-data registry and store: see registry.ts (what) and store.ts (where, how). */
export { RESOURCES, HUMAN_CATEGORIES_DERIVATION, closeResourceNames, findResource, getResource, rawGithubUrl, type RefResource } from './registry.js';
export {
  DATA_DIR_ENV,
  OFFLINE_ENV,
  dataDir,
  downloadResource,
  fetchResources,
  isOffline,
  listResources,
  resourceFile,
  resourcePath,
  sha256File,
  verifyResource,
  type FetchOutcome,
  type FetchProgress,
  type FetchProgressEvent,
  type FetchResult,
  type ResourceCheck,
  type ResourceOptions,
  type ResourceStatus,
} from './store.js';
export { DERIVERS, deriveHumanCategoriesJson, type Deriver } from './derive.js';
