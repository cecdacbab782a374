/**
 * The task list of a pedestrian schema and a label row per identity
 * (src/tasks.ts conventions: MISSING_LABEL where a label is unknown).
 */
import { MISSING_LABEL, binaryTask, multiClassTask, type TaskSpec } from '../../tasks.js';
import type { PedestrianAnnotations, SplitAnnotations } from './annotations.js';
import type { Problem } from './problems.js';
import { isValidCode, type PedestrianSchema, type PedestrianSplit } from './schema.js';

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

export const splitFileProblems = (ann: PedestrianAnnotations, split: PedestrianSplit, colours: 'groups' | 'binary'): Problem[] =>
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
