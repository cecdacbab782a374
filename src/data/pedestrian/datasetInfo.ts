/**
 * Pure summaries of pedestrian annotations: {@link datasetInfo} (split sizes,
 * task kinds, positive rates, problems) and {@link showIdentity} (one
 * identity's attributes by name).
 */
import * as E from 'fp-ts/lib/Either.js';
import { MISSING_LABEL } from '../../tasks.js';
import type { PedestrianAnnotations } from './annotations.js';
import { identityLabels, pedestrianTasks, splitFileProblems, type PedestrianTaskOptions } from './identityLabels.js';
import { imageLabels } from './imageLabels.js';
import { IMAGE_FOLDERS, IMAGE_FOLDER_NAMES, type ImageListing } from './imageListing.js';
import type { PedestrianError, Problem } from './problems.js';
import { allAttributes, isValidCode, PEDESTRIAN_SPLITS, type PedestrianSchema, type PedestrianSplit } from './schema.js';

export interface AttributeInfo {
  readonly name: string;
  readonly kind: 'binary' | { readonly multiclass: readonly string[] };
  /**
   * Per split, over identities with a label: the fraction labelled 1 for a
   * binary task, the fraction in each class for a multi-class one. NaN when
   * no identity has a label.
   */
  readonly positiveRate: Readonly<Record<string, number | Readonly<Record<string, number>>>>;
}

export interface DatasetInfo {
  readonly dataset: PedestrianSchema['dataset'];
  readonly file: string;
  readonly splits: Readonly<
    Record<
      string,
      {
        readonly identities: number;
        /** Annotated images of the split's folders (when a listing was given). */
        readonly images?: number;
        readonly folders?: Readonly<Record<string, { readonly images: number; readonly junk: number; readonly unannotated: number }>>;
      }
    >
  >;
  readonly attributes: readonly AttributeInfo[];
  readonly problems: readonly Problem[];
}

/**
 * A summary of an annotation file (and optionally its image folders): split
 * sizes, each task's kind and positive rates, and every problem found.
 */
export const datasetInfo = (
  ann: PedestrianAnnotations,
  options: PedestrianTaskOptions & { readonly images?: ImageListing } = {},
): DatasetInfo => {
  const tasks = pedestrianTasks(ann.schema, options);
  const perSplit = Object.fromEntries(PEDESTRIAN_SPLITS.map((s) => [s, identityLabels(ann, s, options)]));
  const attributes: AttributeInfo[] = tasks.map((task, t) => {
    const positiveRate: Record<string, number | Record<string, number>> = {};
    for (const s of PEDESTRIAN_SPLITS) {
      const { labels, ids } = perSplit[s];
      const counts = new Array<number>(task.kind === 'binary' ? 2 : task.classes.length).fill(0);
      let labelled = 0;
      for (let i = 0; i < ids.length; i++) {
        const y = labels[i * tasks.length + t];
        if (y === MISSING_LABEL) continue;
        counts[y]++;
        labelled++;
      }
      positiveRate[s] =
        task.kind === 'binary'
          ? labelled === 0 ? NaN : counts[1] / labelled
          : Object.fromEntries(task.classes.map((c, k) => [c, labelled === 0 ? NaN : counts[k] / labelled]));
    }
    return { name: task.name, kind: task.kind === 'binary' ? 'binary' : { multiclass: task.classes }, positiveRate };
  });
  const problems: Problem[] = [...splitFileProblems(ann, 'train', options.colours ?? 'groups'), ...splitFileProblems(ann, 'test', options.colours ?? 'groups')];
  const splits: Record<string, DatasetInfo['splits'][string]> = {};
  for (const s of PEDESTRIAN_SPLITS) splits[s] = { identities: ann.splits[s].ids.length };
  if (options.images !== undefined) {
    const listing = options.images;
    problems.push(...listing.problems);
    for (const s of PEDESTRIAN_SPLITS) {
      const folders: Record<string, { images: number; junk: number; unannotated: number }> = {};
      let total = 0;
      for (const f of IMAGE_FOLDER_NAMES.filter((f) => IMAGE_FOLDERS[f] === s && listing.folders[f].present)) {
        const il = imageLabels(ann, listing, f, options);
        folders[f] = { images: il.images.length, junk: il.excluded.junk, unannotated: il.excluded.unannotated.length };
        total += il.images.length;
        problems.push(...il.problems.filter((p) => p.kind === 'unannotated-images'));
      }
      splits[s] = { identities: ann.splits[s].ids.length, images: total, folders };
    }
  }
  return { dataset: ann.schema.dataset, file: ann.file, splits, attributes, problems };
};

/**
 * One identity's attributes decoded by name, e.g.
 * `{ gender: 'female', hair: 'long', up: 'short sleeve', ..., upwhite: 'yes', ..., upcolor: 'white', downcolor: 'white' }`.
 * The group keys ('upcolor', 'downcolor') summarise the colours marked yes
 * ('none' when none, 'black+blue' when several). An invalid code reads
 * 'invalid (<code>)'.
 */
export const showIdentity = (
  ann: PedestrianAnnotations,
  split: PedestrianSplit,
  id: string,
): E.Either<PedestrianError, Readonly<Record<string, string>>> => {
  const s = ann.splits[split];
  const i = s.ids.indexOf(id);
  if (i < 0) {
    const other = split === 'train' ? 'test' : 'train';
    const hint = ann.splits[other].ids.includes(id) ? ` (it is a ${other} identity)` : '';
    return E.left({ _tag: 'UnknownIdentity', split, id, message: `${ann.file}: no ${split} identity ${id}${hint}` });
  }
  const out: Record<string, string> = {};
  for (const def of allAttributes(ann.schema)) {
    const c = (s.codes.get(def.name) as Float64Array)[i];
    out[def.name] = isValidCode(c, def) ? def.values[c - 1] : `invalid (${c})`;
  }
  for (const g of ann.schema.colourGroups) {
    const yes = g.colours.filter((c) => (s.codes.get(g.prefix + c) as Float64Array)[i] === 2);
    out[g.task] = yes.length === 0 ? 'none' : yes.join('+');
  }
  return E.right(out);
};
