/**
 * The I/O edge of the published analysis: reads the registered reference tables through the reference-data
 * registry (src/refdata; verified by sha256, downloaded only when allowed) and the model catalogue, and parses
 * them with tables.ts. Nothing else in src/published/ touches a file.
 */
import { readCsv } from '../formats/csv.js';
import { readTestbedModelTypes } from '../formats/testbed-model-types.js';
import { readCatalog, CATALOG_FILE } from '../models/catalog.js';
import { resourcePath, type ResourceOptions } from '../refdata/index.js';
import { CLIP_BENCHMARK, OPENCLIP_CLASSIFICATION, OPENCLIP_RESULTS, OPENCLIP_RETRIEVAL, TESTBED, TESTBED_MODEL_TYPES } from './benchmarks.js';
import type { LandscapeInput } from './landscape.js';
import { parseClipBenchmarkTable, parseOpenclipTable, parseTestbedTable } from './tables.js';

export interface LoadedLandscape {
  readonly input: LandscapeInput;
  /** Resource name -> the verified file read. */
  readonly files: Readonly<Record<string, string>>;
  readonly catalogFile: string;
}

export async function loadLandscapeInput(options: ResourceOptions & { catalogFile?: string } = {}): Promise<LoadedLandscape> {
  const files: Record<string, string> = {};
  const file = async (name: string): Promise<string> => (files[name] = await resourcePath(name, options));
  const openclip = parseOpenclipTable(await readCsv(await file(OPENCLIP_RESULTS), 'open_clip results table'), OPENCLIP_RESULTS);
  const classification = parseOpenclipTable(await readCsv(await file(OPENCLIP_CLASSIFICATION), 'open_clip results table'), OPENCLIP_CLASSIFICATION);
  const retrieval = parseOpenclipTable(await readCsv(await file(OPENCLIP_RETRIEVAL), 'open_clip results table'), OPENCLIP_RETRIEVAL);
  const clipBenchmark = parseClipBenchmarkTable(await readCsv(await file(CLIP_BENCHMARK), 'CLIP_benchmark results table'), CLIP_BENCHMARK);
  const testbed = parseTestbedTable(await readCsv(await file(TESTBED), 'imagenet-testbed results table'), TESTBED);
  const types = await readTestbedModelTypes(await file(TESTBED_MODEL_TYPES));
  const catalogFile = options.catalogFile ?? CATALOG_FILE;
  const catalog = await readCatalog(catalogFile);
  return { input: { openclip, classification, retrieval, clipBenchmark, testbed, natTypes: types.natType, catalog }, files, catalogFile };
}
