/**
 * What can be wrong with pedestrian annotations and image folders: quirks of
 * the data ({@link Problem}, reported, never a failure) and the errors that
 * stop a read ({@link PedestrianError}).
 */
import type { MatError } from '../mat.js';
import type { PedestrianSplit } from './schema.js';

export type ProblemKind =
  | 'invalid-value'
  | 'colour-none'
  | 'colour-several'
  | 'no-positives'
  | 'no-negatives'
  | 'empty-class'
  | 'unknown-field'
  | 'unannotated-images'
  | 'unparsable-file-names'
  | 'missing-folder';

/** A quirk of the data, reported rather than failed on. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly split?: PedestrianSplit;
  /** What it concerns: an attribute, a colour group, an image folder. */
  readonly subject: string;
  /**
   * How many things it concerns: identities (invalid-value, colour-*), images
   * (unannotated-images, unparsable-file-names), classes (empty-class), fields
   * (unknown-field) or 1 (an attribute without positives / negatives, a
   * missing folder).
   */
  readonly count: number;
  /** Up to five identity ids, attribute names, class names or file names. */
  readonly examples: readonly string[];
  readonly message: string;
}

export const EXAMPLES = 5;

/** '1 identity has', '3 identities have'. */
export const idsHave = (n: number): string => (n === 1 ? '1 identity has' : `${n} identities have`);
export const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export const problem = (
  kind: ProblemKind,
  subject: string,
  items: readonly string[],
  message: string,
  split?: PedestrianSplit,
  count = items.length,
): Problem => ({ kind, ...(split === undefined ? {} : { split }), subject, count, examples: items.slice(0, EXAMPLES), message });

export type PedestrianError =
  | MatError
  | { readonly _tag: 'BadAnnotation'; readonly file: string; readonly path: string; readonly message: string }
  | { readonly _tag: 'ImageFolderUnreadable'; readonly dir: string; readonly message: string }
  | { readonly _tag: 'UnknownIdentity'; readonly split: PedestrianSplit; readonly id: string; readonly message: string };

export const bad = (file: string, path: string, what: string): PedestrianError => ({
  _tag: 'BadAnnotation',
  file,
  path,
  message: `${file}: ${path}: ${what}`,
});
