export { writeFileAtomic, writeJsonAtomic, removeStaleTempFiles } from './atomic.js';
export { readJsonIfExists } from './json-file.js';
export { canonicalJson, canonicalKey, compareCodePoints, type JsonObject, type JsonValue } from './canonical-json.js';
export { EmbeddingSpace, EmbeddingStore, STALE_MS, type EmbeddingSpaceInfo } from './embedding-store.js';
export { FileHashIndex, fileHashIndexPath, sha256, sha256File, type FileHashEntry, type FileHashIndexOptions } from './hash.js';
export { decodeNpy, encodeNpy, readNpy, writeNpyAtomic, type NpyArray, type NpyData, type NpyDtype } from './npy.js';
export { getTextMatrix, putTextMatrix, type TextMatrix } from './text-cache.js';
