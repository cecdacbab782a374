/**
 * What `awmtl dataset info` reports, in JSON and as text: the shapes shared by
 * the pedestrian and CelebA reports (attributes with their rates, problems by
 * kind), their text tables, and the command's failures (usage: 2, data: 1).
 */

/** The options the reports read (see datasetSpec in ./dataset.ts). */
export interface DatasetValues {
  readonly pipeline: string | undefined;
  readonly data: string | undefined;
  readonly annotations: string | undefined;
  readonly colours: string | undefined;
  readonly split: string | undefined;
  readonly id: string | undefined;
  readonly partition: string | undefined;
  readonly seed: number;
}

export interface DatasetArgs {
  readonly values: DatasetValues;
  /** The options given on the command line. */
  readonly given: ReadonlySet<string>;
}

/** A failure with its exit code: 2 usage, 1 data. */
export class Failure extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2,
  ) {
    super(message);
  }
}
export const usage = (message: string): never => {
  throw new Failure(message, 2);
};
export const data = (message: string): never => {
  throw new Failure(message, 1);
};

export const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
// ---------------------------------------------------------------------------
// The JSON shapes

/** A finding of the readers (src/data Problem) or of this command (junk images, CelebA warnings). */
export interface Finding {
  readonly kind: string;
  readonly split?: string;
  readonly subject: string;
  readonly count: number;
  readonly examples: readonly string[];
  readonly message: string;
}

export interface ProblemReport {
  readonly split?: string;
  readonly subject: string;
  readonly count: number;
  readonly examples: readonly string[];
  readonly message: string;
}

/** Problems by kind: the summed count (identities, images, attributes... see Problem.count) and each report. */
export type ProblemsByKind = Record<string, { count: number; reports: ProblemReport[] }>;

export const byKind = (problems: readonly Finding[]): ProblemsByKind => {
  const out: ProblemsByKind = {};
  for (const p of problems) {
    const entry = (out[p.kind] ??= { count: 0, reports: [] });
    entry.count += p.count;
    entry.reports.push({ ...(p.split === undefined ? {} : { split: p.split }), subject: p.subject, count: p.count, examples: p.examples, message: p.message });
  }
  return out;
};

export type Rate = number | Readonly<Record<string, number>>;

export interface AttributeJson {
  readonly name: string;
  readonly kind: 'binary' | 'multiclass';
  /** multi-class: the classes. */
  readonly classes?: readonly string[];
  /** binary: what labels 0 and 1 mean (e.g. male, female); the rate is that of the second. */
  readonly values?: readonly string[];
  readonly positiveRate: Readonly<Record<string, Rate>>;
}

const rateText = (a: AttributeJson, split: string): string => {
  const r = a.positiveRate[split];
  if (typeof r === 'number') return pct(r);
  return Object.entries(r ?? {})
    .map(([c, x]) => `${c} ${pct(x)}`)
    .join(', ');
};

export const attributeTable = (attributes: readonly AttributeJson[], splits: readonly string[]): string[] => {
  const width = Math.max(9, ...attributes.map((a) => a.name.length));
  const kindOf = (a: AttributeJson): string => (a.kind === 'binary' ? a.values : a.classes)?.join('/') ?? '';
  const kindWidth = Math.max(4, ...attributes.map((a) => kindOf(a).length));
  const lines = [`${'attribute'.padEnd(width)}  ${'kind'.padEnd(kindWidth)}  ${splits.map((s) => s.padStart(7)).join('  ')}`];
  for (const a of attributes) {
    if (a.kind === 'binary') {
      lines.push(`${a.name.padEnd(width)}  ${kindOf(a).padEnd(kindWidth)}  ${splits.map((s) => rateText(a, s).padStart(7)).join('  ')}`);
    } else {
      lines.push(`${a.name.padEnd(width)}  ${kindOf(a).padEnd(kindWidth)}  ${splits.map((s) => `${s}: ${rateText(a, s)}`).join('; ')}`);
    }
  }
  return lines;
};

export const problemLines = (problems: ProblemsByKind): string[] => {
  const kinds = Object.entries(problems);
  if (kinds.length === 0) return ['problems: none'];
  const lines = ['problems:'];
  for (const [kind, entry] of kinds) {
    lines.push(`  ${kind} (${entry.count}):`);
    for (const r of entry.reports) lines.push(`    ${r.message}`);
  }
  return lines;
};
