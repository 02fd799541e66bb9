export { readClassnames } from './classnames.js';
export { IMAGE_EXTENSIONS, isHiddenName, isImageFileName } from './image-extensions.js';
export { openImageFolder } from './imagefolder.js';
export { openJsonlManifest } from './jsonl-manifest.js';
export { openDataset } from './open-dataset.js';
export type { Dataset, DatasetItem, DatasetSpec, SkippedFiles } from './types.js';
export { openImageList } from './image-list.js';
export { openCaptionManifest, type CaptionDataset } from './caption-manifest.js';
