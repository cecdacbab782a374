/**
 * Pedestrian attribute annotations (Market-1501 attribute, DukeMTMC-reID
 * attribute): decoding the .mat files, task definitions, label rows per
 * identity and per image, image folders in the standard re-id layout, and
 * pure "dataset info" summaries.
 *
 * The annotations are per identity: each split (train / test) of the file is
 * a struct of 1xN numeric rows, one per attribute, plus `image_index` (the N
 * identity ids). Codes: 1 = no / 2 = yes, except the attributes whose
 * `values` in the schema say otherwise (gender 1 male / 2 female, Market age
 * 1..4, ...). Fields are accessed by name (their order differs between the
 * splits). The dataset schemas live in ./market1501.ts and ./duke.ts.
 *
 * Quirks of the real files (identities with no or several clothing colours,
 * attributes without positives in a split, invalid codes such as 0) are
 * reported as `problems`, never a failure.
 *
 * This module is the public face of ./pedestrian/: schema.ts (splits,
 * attributes, colour groups), problems.ts (problems and errors),
 * annotations.ts (decoding the .mat file), identityLabels.ts (tasks, a label
 * row per identity), imageListing.ts (the image folders and names),
 * imageLabels.ts (labels per image) and datasetInfo.ts (summaries).
 */
export {
  type AttributeDef,
  allAttributes,
  type ColourGroup,
  PEDESTRIAN_SPLITS,
  type PedestrianSchema,
  type PedestrianSplit,
  yesNo,
} from './pedestrian/schema.js';
export type { PedestrianError, Problem, ProblemKind } from './pedestrian/problems.js';
export {
  decodePedestrianAnnotations,
  decodePedestrianAttributes,
  loadPedestrianAttributes,
  loadPedestrianAttributesSync,
  type PedestrianAnnotations,
  type SplitAnnotations,
} from './pedestrian/annotations.js';
export { identityLabels, type IdentityLabels, pedestrianTasks, type PedestrianTaskOptions } from './pedestrian/identityLabels.js';
export {
  type FolderListing,
  IMAGE_FOLDER_NAMES,
  IMAGE_FOLDERS,
  type ImageFolder,
  type ImageListing,
  imageListingFromNames,
  listPedestrianImages,
  listPedestrianImagesSync,
  type ParsedImageName,
  parseImageName,
  type PedestrianImage,
} from './pedestrian/imageListing.js';
export { imageCodes, imageLabels, type ImageLabels } from './pedestrian/imageLabels.js';
export { type AttributeInfo, datasetInfo, type DatasetInfo, showIdentity } from './pedestrian/datasetInfo.js';
