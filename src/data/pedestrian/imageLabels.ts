/**
 * Per-image labels and file codes: each identity's annotation applied to
 * every image of it in one image folder.
 */
import { join } from 'node:path';
import type { TaskSpec } from '../../tasks.js';
import type { PedestrianAnnotations } from './annotations.js';
import { identityLabels, type PedestrianTaskOptions } from './identityLabels.js';
import { IMAGE_FOLDERS, type ImageFolder, type ImageListing, type PedestrianImage } from './imageListing.js';
import { EXAMPLES, counted, problem, type Problem } from './problems.js';
import { allAttributes, type PedestrianSplit } from './schema.js';

export interface ImageLabels {
  readonly folder: ImageFolder;
  readonly split: PedestrianSplit;
  readonly tasks: readonly TaskSpec[];
  /** Annotated images (sorted by name); row r of `labels` belongs to images[r]. */
  readonly images: readonly PedestrianImage[];
  /** Row-major [images.length, tasks.length]: the identity's row, repeated for each of its images. */
  readonly labels: Float32Array;
  /** Index into the split's identity list (IdentityLabels.ids) of each image's identity. */
  readonly identityIndex: Int32Array;
  /** Images left out: of junk identities (-1, 0) and of identities without annotation. */
  readonly excluded: { readonly junk: number; readonly unannotated: readonly PedestrianImage[] };
  /** Unannotated identities, unparsable names and the split's annotation problems. */
  readonly problems: readonly Problem[];
}

/**
 * Per-image labels for one image folder: each identity's attributes apply to
 * every image of it. Images of identities the split does not annotate are
 * excluded and reported ('unannotated-images'), never silently dropped.
 */
export const imageLabels = (
  ann: PedestrianAnnotations,
  listing: ImageListing,
  folder: ImageFolder,
  options: PedestrianTaskOptions = {},
): ImageLabels => {
  const split = IMAGE_FOLDERS[folder];
  const ids = identityLabels(ann, split, options);
  const width = ids.tasks.length;
  const rowOf = new Map(ids.ids.map((id, r) => [id, r]));
  const l = listing.folders[folder];
  const images: PedestrianImage[] = [];
  const unannotated: PedestrianImage[] = [];
  for (const img of l.images) (rowOf.has(img.id) ? images : unannotated).push(img);
  const labels = new Float32Array(images.length * width);
  const identityIndex = new Int32Array(images.length);
  images.forEach((img, k) => {
    const r = rowOf.get(img.id) as number;
    identityIndex[k] = r;
    labels.set(ids.labels.subarray(r * width, (r + 1) * width), k * width);
  });
  const problems: Problem[] = [...listing.problems.filter((p) => p.subject === folder)];
  if (unannotated.length > 0) {
    const missingIds = [...new Set(unannotated.map((i) => i.id))];
    problems.push(
      problem(
        'unannotated-images',
        folder,
        unannotated.map((i) => i.name),
        `${join(listing.root, folder)}: ${counted(unannotated.length, 'image', 'images')} of ${counted(missingIds.length, 'identity', 'identities')} without ${split} annotation (${missingIds.slice(0, EXAMPLES).join(', ')}${missingIds.length > EXAMPLES ? ', ...' : ''}) left out`,
        split,
      ),
    );
  }
  problems.push(...ids.problems);
  return { folder, split, tasks: ids.tasks, images, labels, identityIndex, excluded: { junk: l.junk, unannotated }, problems };
};

/**
 * Raw file codes per image, by attribute name (every schema attribute,
 * colours included), for scoring protocols that need them, such as the
 * official Market-1501 evaluation (see src/metrics/marketOfficial.ts).
 */
export const imageCodes = (ann: PedestrianAnnotations, labels: ImageLabels): Readonly<Record<string, Float64Array>> => {
  const s = ann.splits[labels.split];
  const out: Record<string, Float64Array> = {};
  for (const def of allAttributes(ann.schema)) {
    const codes = s.codes.get(def.name) as Float64Array;
    out[def.name] = Float64Array.from(labels.identityIndex, (r) => codes[r]);
  }
  return out;
};
