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
 */
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import {
  cellStrings,
  decodeMat,
  getField,
  readMatFile,
  readMatFileSync,
  type MatError,
  type MatFile,
  type MatValue,
} from './mat.js';
import { MISSING_LABEL, binaryTask, multiClassTask, type TaskSpec } from '../tasks.js';

export type PedestrianSplit = 'train' | 'test';
export const PEDESTRIAN_SPLITS: readonly PedestrianSplit[] = ['train', 'test'];

/** One attribute as stored in the file. */
export interface AttributeDef {
  /** Field name in the file (e.g. 'gender', 'upblack'). */
  readonly name: string;
  /** Meaning of code 1, 2, ... (e.g. ['male', 'female'], ['no', 'yes'], ['young', 'teenager', 'adult', 'old']). */
  readonly values: readonly string[];
  readonly description: string;
}

/** A set of yes/no colour attributes that describe one garment ('up' + colour, 'down' + colour). */
export interface ColourGroup {
  /** Task name when the group is one softmax task: 'upcolor' / 'downcolor'. */
  readonly task: string;
  /** Attribute name prefix: 'up' / 'down'. */
  readonly prefix: string;
  /** Colour names in the schema's order; the attributes are prefix + colour. */
  readonly colours: readonly string[];
  readonly description: string;
}

/** A two-valued attribute coded 1 = no, 2 = yes (the files' usual encoding). */
export const yesNo = (name: string, description: string) => ({ name, values: ['no', 'yes'], description }) as const;

export interface PedestrianSchema {
  readonly dataset: 'market1501' | 'duke';
  /** Name of the MAT variable holding the struct with `train` and `test`. */
  readonly variable: string;
  /** Attributes that are not colours, in the canonical task order. */
  readonly attributes: readonly AttributeDef[];
  readonly colourGroups: readonly ColourGroup[];
  /** Field order of each split in the real file (for writers of look-alike files). */
  readonly fileFieldOrder: Readonly<Record<PedestrianSplit, readonly string[]>>;
  /** Order of the splits in the real file's root struct. */
  readonly fileSplitOrder: readonly PedestrianSplit[];
}

const YES_NO = ['no', 'yes'] as const;

/** Every attribute of a schema as stored in the file: non-colour ones, then each colour group's. */
export const allAttributes = (schema: PedestrianSchema): readonly AttributeDef[] => [
  ...schema.attributes,
  ...schema.colourGroups.flatMap((g) =>
    g.colours.map((c) => ({ name: g.prefix + c, values: YES_NO, description: `${g.description}: ${c}` })),
  ),
];

// ---------------------------------------------------------------------------
// Problems and errors

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

const EXAMPLES = 5;

/** '1 identity has', '3 identities have'. */
const idsHave = (n: number): string => (n === 1 ? '1 identity has' : `${n} identities have`);
const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

const problem = (
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

const bad = (file: string, path: string, what: string): PedestrianError => ({
  _tag: 'BadAnnotation',
  file,
  path,
  message: `${file}: ${path}: ${what}`,
});

// ---------------------------------------------------------------------------
// Annotations

export interface SplitAnnotations {
  readonly split: PedestrianSplit;
  /** Identity ids in file order (e.g. '0001'), as in `image_index`. */
  readonly ids: readonly string[];
  /** Raw code per identity (file order) for every schema attribute, by name. */
  readonly codes: ReadonlyMap<string, Float64Array>;
  /** The split's field names in file order. */
  readonly fieldOrder: readonly string[];
}

export interface PedestrianAnnotations {
  readonly schema: PedestrianSchema;
  readonly file: string;
  readonly splits: Readonly<Record<PedestrianSplit, SplitAnnotations>>;
  /** Quirks found in the file itself (for both splits). */
  readonly problems: readonly Problem[];
}

const isValidCode = (code: number, def: AttributeDef): boolean =>
  Number.isInteger(code) && code >= 1 && code <= def.values.length;

const splitProblems = (schema: PedestrianSchema, s: SplitAnnotations, unknown: readonly string[]): Problem[] => {
  const out: Problem[] = [];
  const where = `${schema.variable}.${s.split}`;
  if (unknown.length > 0) {
    out.push(problem('unknown-field', where, unknown, `${where} has fields the ${schema.dataset} schema does not know (ignored): ${unknown.join(', ')}`, s.split));
  }
  for (const def of allAttributes(schema)) {
    const codes = s.codes.get(def.name) as Float64Array;
    const invalid: string[] = [];
    const counts = new Array<number>(def.values.length).fill(0);
    codes.forEach((c, i) => (isValidCode(c, def) ? counts[c - 1]++ : invalid.push(s.ids[i])));
    if (invalid.length > 0) {
      const seen = [...new Set(Array.from(codes).filter((c) => !isValidCode(c, def)))].join(', ');
      out.push(problem('invalid-value', def.name, invalid, `${where}.${def.name}: ${idsHave(invalid.length)} a code outside 1..${def.values.length} (${seen}); their label is missing`, s.split));
    }
    if (def.values.length === 2) {
      const [neg, pos] = counts;
      if (pos === 0) out.push(problem('no-positives', def.name, [def.name], `${where}.${def.name}: no identity is '${def.values[1]}'`, s.split));
      if (neg === 0) out.push(problem('no-negatives', def.name, [def.name], `${where}.${def.name}: every identity is '${def.values[1]}'`, s.split));
    } else {
      const empty = def.values.filter((_, k) => counts[k] === 0);
      if (empty.length > 0) out.push(problem('empty-class', def.name, empty, `${where}.${def.name}: no identity in class ${empty.join(', ')}`, s.split));
    }
  }
  for (const g of schema.colourGroups) {
    const none: string[] = [];
    const several: string[] = [];
    for (let i = 0; i < s.ids.length; i++) {
      const yes = g.colours.filter((c) => (s.codes.get(g.prefix + c) as Float64Array)[i] === 2).length;
      if (yes === 0) none.push(s.ids[i]);
      if (yes > 1) several.push(s.ids[i]);
    }
    if (none.length > 0) out.push(problem('colour-none', g.task, none, `${where}: ${idsHave(none.length)} no ${g.prefix} colour marked yes`, s.split));
    if (several.length > 0) out.push(problem('colour-several', g.task, several, `${where}: ${idsHave(several.length)} several ${g.prefix} colours marked yes`, s.split));
  }
  return out;
};

const decodeSplit = (
  schema: PedestrianSchema,
  file: string,
  root: MatValue,
  split: PedestrianSplit,
): E.Either<PedestrianError, { readonly split: SplitAnnotations; readonly unknown: readonly string[] }> => {
  const path = `${schema.variable}.${split}`;
  const s = getField(file, schema.variable, root, split);
  if (E.isLeft(s)) return s;
  const struct = s.right;
  if (struct.kind !== 'struct' || struct.elements.length !== 1) {
    return E.left(bad(file, path, `expected a 1x1 struct, got ${struct.kind}`));
  }
  const ids = getField(file, path, struct, 'image_index');
  if (E.isLeft(ids)) return ids;
  const idList = cellStrings(file, `${path}.image_index`, ids.right);
  if (E.isLeft(idList)) return idList;
  const n = idList.right.length;
  const dup = idList.right.find((id, i) => idList.right.indexOf(id) !== i);
  if (dup !== undefined) return E.left(bad(file, `${path}.image_index`, `identity ${dup} appears twice`));
  const codes = new Map<string, Float64Array>();
  for (const def of allAttributes(schema)) {
    const field = getField(file, path, struct, def.name);
    if (E.isLeft(field)) return field;
    const v = field.right;
    if (v.kind !== 'numeric' && v.kind !== 'logical') return E.left(bad(file, `${path}.${def.name}`, `expected a numeric row, got ${v.kind}`));
    const values = v.kind === 'numeric' ? Float64Array.from(v.real as ArrayLike<number | bigint>, Number) : Float64Array.from(v.data);
    if (values.length !== n) {
      return E.left(bad(file, `${path}.${def.name}`, `expected ${n} values (one per identity of image_index), got ${values.length}`));
    }
    codes.set(def.name, values);
  }
  const known = new Set([...allAttributes(schema).map((d) => d.name), 'image_index']);
  const unknown = struct.fieldNames.filter((f) => !known.has(f));
  return E.right({ split: { split, ids: idList.right, codes, fieldOrder: struct.fieldNames }, unknown });
};

/** Decode annotations from a decoded MAT-file. */
export const decodePedestrianAnnotations = (
  schema: PedestrianSchema,
  mat: MatFile,
): E.Either<PedestrianError, PedestrianAnnotations> => {
  const variable = mat.variables.find((v) => v.name === schema.variable);
  if (variable === undefined) {
    return E.left(bad(mat.file, schema.variable, `no such variable (the file has ${mat.variables.map((v) => v.name).join(', ') || 'none'})`));
  }
  const train = decodeSplit(schema, mat.file, variable.value, 'train');
  if (E.isLeft(train)) return train;
  const test = decodeSplit(schema, mat.file, variable.value, 'test');
  if (E.isLeft(test)) return test;
  const problems = [
    ...splitProblems(schema, train.right.split, train.right.unknown),
    ...splitProblems(schema, test.right.split, test.right.unknown),
  ];
  return E.right({ schema, file: mat.file, splits: { train: train.right.split, test: test.right.split }, problems });
};

/** Decode annotations from the bytes of a .mat file (`file` names it in messages). */
export const decodePedestrianAttributes = (
  schema: PedestrianSchema,
  bytes: Uint8Array,
  file: string,
): E.Either<PedestrianError, PedestrianAnnotations> =>
  E.chain((mat: MatFile) => decodePedestrianAnnotations(schema, mat))(decodeMat(bytes, file));

/** Read and decode an attribute .mat file. */
export const loadPedestrianAttributes =
  (schema: PedestrianSchema, path: string): TE.TaskEither<PedestrianError, PedestrianAnnotations> =>
  async () =>
    E.chain((mat: MatFile) => decodePedestrianAnnotations(schema, mat))(await readMatFile(path)());

/** Synchronous {@link loadPedestrianAttributes}. */
export const loadPedestrianAttributesSync = (
  schema: PedestrianSchema,
  path: string,
): E.Either<PedestrianError, PedestrianAnnotations> =>
  E.chain((mat: MatFile) => decodePedestrianAnnotations(schema, mat))(readMatFileSync(path));

// ---------------------------------------------------------------------------
// Tasks and labels

export interface PedestrianTaskOptions {
  /**
   * 'groups' (default): each colour group is one multi-class task (the
   * official protocol's argmax); an identity with no or several colours gets
   * MISSING_LABEL there. 'binary': every colour is its own yes/no task (the
   * files' own form).
   */
  readonly colours?: 'groups' | 'binary';
}

/**
 * The task list: non-colour attributes in schema order (two-valued ones
 * binary, label 1 = their second value, e.g. gender 1 = female; Market age
 * a 4-class task), then the colours: one task per group
 * ('upcolor' / 'downcolor', classes = colour names) or one binary task per
 * colour attribute ('upblack', ...).
 */
export const pedestrianTasks = (schema: PedestrianSchema, options: PedestrianTaskOptions = {}): readonly TaskSpec[] => [
  ...schema.attributes.map((a) => (a.values.length === 2 ? binaryTask(a.name, [a.values[0], a.values[1]]) : multiClassTask(a.name, a.values))),
  ...((options.colours ?? 'groups') === 'groups'
    ? schema.colourGroups.map((g) => multiClassTask(g.task, g.colours))
    : schema.colourGroups.flatMap((g) => g.colours.map((c) => binaryTask(g.prefix + c)))),
];

/** Label of identity row `i` for each task, into `out` at `offset`. */
const fillRow = (
  schema: PedestrianSchema,
  s: SplitAnnotations,
  colours: 'groups' | 'binary',
  i: number,
  out: Float32Array,
  offset: number,
): void => {
  let t = offset;
  for (const a of schema.attributes) {
    const c = (s.codes.get(a.name) as Float64Array)[i];
    out[t++] = isValidCode(c, a) ? c - 1 : MISSING_LABEL;
  }
  for (const g of schema.colourGroups) {
    if (colours === 'binary') {
      for (const col of g.colours) {
        const c = (s.codes.get(g.prefix + col) as Float64Array)[i];
        out[t++] = c === 1 || c === 2 ? c - 1 : MISSING_LABEL;
      }
    } else {
      let found = -1;
      let several = false;
      g.colours.forEach((col, k) => {
        if ((s.codes.get(g.prefix + col) as Float64Array)[i] === 2) {
          if (found >= 0) several = true;
          found = k;
        }
      });
      out[t++] = found < 0 || several ? MISSING_LABEL : found;
    }
  }
};

export interface IdentityLabels {
  readonly split: PedestrianSplit;
  readonly tasks: readonly TaskSpec[];
  /** Identity ids, file order; row r of `labels` belongs to ids[r]. */
  readonly ids: readonly string[];
  /** Row-major [ids.length, tasks.length], src/tasks.ts conventions (MISSING_LABEL where unknown). */
  readonly labels: Float32Array;
  /** The file's problems for this split; colour problems say whether labels were masked. */
  readonly problems: readonly Problem[];
}

const splitFileProblems = (ann: PedestrianAnnotations, split: PedestrianSplit, colours: 'groups' | 'binary'): Problem[] =>
  ann.problems
    .filter((p) => p.split === split)
    .map((p) =>
      (p.kind === 'colour-none' || p.kind === 'colour-several')
        ? { ...p, message: `${p.message}; ${colours === 'groups' ? `their ${p.subject} label is MISSING_LABEL` : 'kept as given (binary colour tasks)'}` }
        : p,
    );

/** A label row per identity of a split. */
export const identityLabels = (
  ann: PedestrianAnnotations,
  split: PedestrianSplit,
  options: PedestrianTaskOptions = {},
): IdentityLabels => {
  const colours = options.colours ?? 'groups';
  const tasks = pedestrianTasks(ann.schema, options);
  const s = ann.splits[split];
  const labels = new Float32Array(s.ids.length * tasks.length);
  for (let i = 0; i < s.ids.length; i++) fillRow(ann.schema, s, colours, i, labels, i * tasks.length);
  return { split, tasks, ids: s.ids, labels, problems: splitFileProblems(ann, split, colours) };
};

// ---------------------------------------------------------------------------
// Images

/** The standard re-id folders and the annotation split each one uses. */
export const IMAGE_FOLDERS = {
  bounding_box_train: 'train',
  bounding_box_test: 'test',
  query: 'test',
} as const satisfies Record<string, PedestrianSplit>;

export type ImageFolder = keyof typeof IMAGE_FOLDERS;
export const IMAGE_FOLDER_NAMES = Object.keys(IMAGE_FOLDERS) as ImageFolder[];

export interface ParsedImageName {
  /** Identity as written ('0002', '-1'). */
  readonly id: string;
  readonly camera: number;
  /** Market's sequence number (c1s2 -> 2); undefined for Duke names. */
  readonly sequence?: number;
  readonly frame: number;
  /** Market's bounding-box index within the frame; undefined for Duke names. */
  readonly box?: number;
  /** Identity -1 (distractor/junk) or 0 (background). */
  readonly junk: boolean;
}

const NAME = /^(-1|\d+)_c(\d+)(?:s(\d+))?_f?(\d+)(?:_(\d+))?\.(?:jpe?g|png)$/i;

/**
 * Parse a Market-1501 (`0002_c1s1_000451_03.jpg`) or DukeMTMC-reID
 * (`0001_c2_f0046182.jpg`) image name; undefined when it is neither.
 */
export const parseImageName = (name: string): ParsedImageName | undefined => {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const id = m[1];
  return {
    id,
    camera: Number(m[2]),
    ...(m[3] === undefined ? {} : { sequence: Number(m[3]) }),
    frame: Number(m[4]),
    ...(m[5] === undefined ? {} : { box: Number(m[5]) }),
    junk: id === '-1' || Number(id) === 0,
  };
};

export interface PedestrianImage extends ParsedImageName {
  readonly folder: ImageFolder;
  /** File name within the folder. */
  readonly name: string;
  /** Path: root/folder/name. */
  readonly path: string;
}

export interface FolderListing {
  readonly folder: ImageFolder;
  /** Images of real identities, sorted by file name (the official evaluation's order). */
  readonly images: readonly PedestrianImage[];
  /** Images of identity -1 or 0 (excluded from `images`). */
  readonly junk: number;
  /** Image files whose names do not parse (excluded). */
  readonly unparsable: readonly string[];
  readonly present: boolean;
}

export interface ImageListing {
  readonly root: string;
  readonly folders: Readonly<Record<ImageFolder, FolderListing>>;
  readonly problems: readonly Problem[];
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

const listFolder = (root: string, folder: ImageFolder, names: readonly string[] | undefined): FolderListing => {
  if (names === undefined) return { folder, images: [], junk: 0, unparsable: [], present: false };
  const images: PedestrianImage[] = [];
  const unparsable: string[] = [];
  let junk = 0;
  for (const name of [...names].filter((n) => IMAGE_FILE.test(n)).sort()) {
    const parsed = parseImageName(name);
    if (parsed === undefined) unparsable.push(name);
    else if (parsed.junk) junk++;
    else images.push({ ...parsed, folder, name, path: join(root, folder, name) });
  }
  return { folder, images, junk, unparsable, present: true };
};

const listingOf = (root: string, names: Readonly<Record<ImageFolder, readonly string[] | undefined>>): ImageListing => {
  const folders = Object.fromEntries(IMAGE_FOLDER_NAMES.map((f) => [f, listFolder(root, f, names[f])])) as Record<ImageFolder, FolderListing>;
  const problems: Problem[] = [];
  for (const f of IMAGE_FOLDER_NAMES) {
    const l = folders[f];
    if (!l.present) problems.push(problem('missing-folder', f, [f], `${join(root, f)} does not exist`, IMAGE_FOLDERS[f]));
    if (l.unparsable.length > 0) {
      problems.push(problem('unparsable-file-names', f, l.unparsable, `${join(root, f)}: ${counted(l.unparsable.length, 'image name is', 'image names are')} not <id>_c<camera>... (skipped)`, IMAGE_FOLDERS[f]));
    }
  }
  return { root, folders, problems };
};

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT';

const unreadable = (dir: string, e: unknown): PedestrianError => ({
  _tag: 'ImageFolderUnreadable',
  dir,
  message: `${dir}: cannot list images (${e instanceof Error ? e.message : String(e)})`,
});

/**
 * List the images of a dataset root in the standard layout (bounding_box_train/,
 * bounding_box_test/, query/). A missing folder is a problem, not a failure;
 * a root that cannot be listed at all is a Left.
 */
export const listPedestrianImages =
  (root: string): TE.TaskEither<PedestrianError, ImageListing> =>
  async () => {
    try {
      await readdir(root);
    } catch (e) {
      return E.left(unreadable(root, e));
    }
    const names: Partial<Record<ImageFolder, readonly string[] | undefined>> = {};
    for (const f of IMAGE_FOLDER_NAMES) {
      try {
        names[f] = await readdir(join(root, f));
      } catch (e) {
        if (!isMissing(e)) return E.left(unreadable(join(root, f), e));
        names[f] = undefined;
      }
    }
    return E.right(listingOf(root, names as Record<ImageFolder, readonly string[] | undefined>));
  };

/** Synchronous {@link listPedestrianImages}. */
export const listPedestrianImagesSync = (root: string): E.Either<PedestrianError, ImageListing> => {
  try {
    readdirSync(root);
  } catch (e) {
    return E.left(unreadable(root, e));
  }
  const names: Partial<Record<ImageFolder, readonly string[] | undefined>> = {};
  for (const f of IMAGE_FOLDER_NAMES) {
    try {
      names[f] = readdirSync(join(root, f));
    } catch (e) {
      if (!isMissing(e)) return E.left(unreadable(join(root, f), e));
      names[f] = undefined;
    }
  }
  return E.right(listingOf(root, names as Record<ImageFolder, readonly string[] | undefined>));
};

/** A listing built from file names alone (no disk access), e.g. for tests or a custom layout. */
export const imageListingFromNames = (root: string, names: Readonly<Partial<Record<ImageFolder, readonly string[]>>>): ImageListing =>
  listingOf(root, { bounding_box_train: names.bounding_box_train, bounding_box_test: names.bounding_box_test, query: names.query });

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

// ---------------------------------------------------------------------------
// Dataset info

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
