/**
 * `awmtl/data`: the dataset interface the training pipelines consume, the
 * task conventions, the readers of the published dataset layouts, and the
 * image loading they share.
 *
 * A user-defined dataset is any object implementing {@link AttributeDataset}
 * (tasks, three {@link SplitView}s of image path + labels); `runTraining`
 * (awmtl/pipelines) trains on it as on the built-in ones.
 */
export { type AttributeDataset, rowSplit, SPLIT_NAMES, type SplitName, type SplitView } from './attributeDataset.js';
export {
  binaryTask,
  binaryValues,
  type BinaryTask,
  logitLayout,
  logitWidth,
  MISSING_LABEL,
  multiClassTask,
  type MultiClassTask,
  type TaskSpec,
} from '../tasks.js';
export { type CelebaLoadOptions, findCelebaLayout, loadCelebaDataset, readCelebaAttributes, readCelebaPartition, CELEBA_ATTRIBUTES } from './celeba.js';
export { loadMarketAttributes, MARKET_SCHEMA } from './market1501.js';
export { DUKE_SCHEMA, loadDukeAttributes } from './duke.js';
export { buildPedestrianDataset, loadPedestrianDataset, type PedestrianDataset } from './pedestrianDataset.js';
export {
  CELEBA_IMAGE_DEFAULTS,
  CROP_PRESETS,
  type Crop,
  decodeImage,
  type ImageError,
  type ImageOptions,
  loadImageInto,
  loadImageUint8,
  type ResizeOptions,
} from './images.js';
export { parseSplitFractions, seededSplit, type SplitFractions } from './split.js';
export { type BadImage, preflightImages, type PreflightResult } from './preflight.js';
