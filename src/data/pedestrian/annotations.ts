/**
 * Decoding the annotations of a pedestrian attribute .mat file: each split
 * (train / test) is a struct of 1xN numeric rows, one per attribute, plus
 * `image_index` (the N identity ids). Fields are accessed by name (their order
 * differs between the splits). The file's quirks (invalid codes, identities
 * with no or several colours, attributes without positives) become problems.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { cellStrings, decodeMat, getField, readMatFile, readMatFileSync, type MatFile, type MatValue } from '../mat.js';
import { bad, idsHave, problem, type PedestrianError, type Problem } from './problems.js';
import { allAttributes, isValidCode, type PedestrianSchema, type PedestrianSplit } from './schema.js';

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
