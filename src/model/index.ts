export type { Backbone, InputShape, Trunk, TrunkOptions } from './backbone.js';
export { backboneByName, DEFAULT_BACKBONE, knownBackbones } from './backbones.js';
export {
  attachHeads,
  buildModel,
  buildTrunk,
  checkTasks,
  countParams,
  featuresAndLogits,
  FEATURES_LAYER,
  LOGITS_LAYER,
  outputWidth,
  type BuildModelOptions,
  type ParamCount,
} from './build.js';
export { describeModelError, type ModelError } from './errors.js';
export { FILE_PREFIX, loadLayersModelFile } from './fileBackbone.js';
export { fileSystemLoader, fileSystemSaver, MODEL_JSON, WEIGHTS_BIN } from './fsio.js';
export { decodeMeta, loadModel, META_JSON, saveModel, type ModelMeta, type Normalisation } from './persist.js';
export { imageOptionsOf } from './meta.js';
export { RESNET18, RESNET50, type ResNetSpec } from './resnet.js';
export { SMALL_CNN_FILTERS } from './smallCnn.js';
