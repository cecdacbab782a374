/**
 * `awmtl dataset info|show`: what an annotation file (and, when given, its
 * image folders) holds, without training.
 *
 *   awmtl dataset info --pipeline market1501|duke|celeba (--data DIR | --annotations FILE) [--json]
 *   awmtl dataset show --pipeline market1501|duke (--data DIR | --annotations FILE) --id 0001 [--split test] [--json]
 *
 * `info --json` prints one object: `splits` (identities per split for the
 * pedestrian sets, rows for CelebA; `images` when an image folder is given),
 * `attributes` (the file's attributes: name, kind, classes or values, rate of
 * each value per split), `tasks` (the training tasks, for the pedestrian sets
 * under --colours) and `problems` (by kind: the summed count and each report).
 * `show` prints one identity's decoded attributes by name.
 *
 * Exit codes: 0 done, 1 a data problem (missing or malformed file, unknown
 * identity), 2 bad usage.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { DUKE_SOURCE } from '../../pipelines/duke.js';
import { MARKET_SOURCE } from '../../pipelines/market1501.js';
import { findAnnotationFile, type PedestrianSource } from '../../pipelines/pedestrian.js';
import { flagOption, type OptionSpec, parseCommandArgs, type Parsed, stringOption } from '../../src/cli/args.js';
import { findCelebaLayout, listImageDir, loadCelebaDataset, readCelebaAttributes } from '../../src/data/celeba.js';
import {
  allAttributes,
  datasetInfo,
  type DatasetInfo,
  listPedestrianImages,
  loadPedestrianAttributes,
  type PedestrianAnnotations,
  type PedestrianSplit,
  showIdentity,
} from '../../src/data/pedestrian.js';

const PEDESTRIAN: Readonly<Record<string, PedestrianSource>> = { market1501: MARKET_SOURCE, duke: DUKE_SOURCE };

export const datasetUsage = (): string =>
  [
    'usage: awmtl dataset info --pipeline market1501|duke|celeba (--data DIR | --annotations FILE) [--json]',
    '       awmtl dataset show --pipeline market1501|duke (--data DIR | --annotations FILE) --id ID [--split test|train] [--json]',
    '',
    'info: splits (identities; images when --data holds them), every attribute with its kind and',
    '      value rates per split, the training tasks, and the problems found in the data.',
    'show: one identity\'s attributes decoded by name (e.g. {"gender": "female", "hair": "long", ...}).',
    '',
    '  --pipeline NAME       market1501, duke or celeba',
    '  --data DIR            the dataset folder (annotation file looked for in it; images listed)',
    '  --annotations FILE    the annotation file alone (market_attribute.mat, duke_attribute.mat, list_attr_celeba.txt)',
    '  --colours MODE        [market1501, duke] tasks: groups (default) or binary',
    '  --split NAME          [show] train or test (default: the split that has the identity)',
    '  --id ID               [show] identity, e.g. 0001 (1 is read as 0001)',
    '  --partition FILE      [celeba info] list_eval_partition.txt (default: found in --data)',
    '  --split F,F,F         [celeba info] a seeded split by image id, e.g. 0.8,0.1,0.1 (with --seed S)',
    '  --json                one JSON object on stdout',
  ].join('\n');

const SPEC: OptionSpec = {
  pipeline: { type: 'string' },
  data: { type: 'string' },
  annotations: { type: 'string' },
  colours: { type: 'string' },
  split: { type: 'string' },
  id: { type: 'string' },
  partition: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** A failure with its exit code: 2 usage, 1 data. */
class Failure extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2,
  ) {
    super(message);
  }
}
const usage = (message: string): never => {
  throw new Failure(message, 2);
};
const data = (message: string): never => {
  throw new Failure(message, 1);
};

/** Where the command writes (the process's streams; tests collect). */
export interface DatasetIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: DatasetIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');

// ---------------------------------------------------------------------------
// The JSON shapes

/** A finding of the readers (src/data Problem) or of this command (junk images, CelebA warnings). */
interface Finding {
  readonly kind: string;
  readonly split?: string;
  readonly subject: string;
  readonly count: number;
  readonly examples: readonly string[];
  readonly message: string;
}

interface ProblemReport {
  readonly split?: string;
  readonly subject: string;
  readonly count: number;
  readonly examples: readonly string[];
  readonly message: string;
}

/** Problems by kind: the summed count (identities, images, attributes... see Problem.count) and each report. */
export type ProblemsByKind = Record<string, { count: number; reports: ProblemReport[] }>;

const byKind = (problems: readonly Finding[]): ProblemsByKind => {
  const out: ProblemsByKind = {};
  for (const p of problems) {
    const entry = (out[p.kind] ??= { count: 0, reports: [] });
    entry.count += p.count;
    entry.reports.push({ ...(p.split === undefined ? {} : { split: p.split }), subject: p.subject, count: p.count, examples: p.examples, message: p.message });
  }
  return out;
};

type Rate = number | Readonly<Record<string, number>>;

interface AttributeJson {
  readonly name: string;
  readonly kind: 'binary' | 'multiclass';
  /** multi-class: the classes. */
  readonly classes?: readonly string[];
  /** binary: what labels 0 and 1 mean (e.g. male, female); the rate is that of the second. */
  readonly values?: readonly string[];
  readonly positiveRate: Readonly<Record<string, Rate>>;
}

// ---------------------------------------------------------------------------
// Market-1501 / Duke

const pedestrianSource = (p: Parsed, command: string): PedestrianSource => {
  const name = stringOption(p, 'pipeline');
  if (name === undefined) return usage(`--pipeline is required (${command === 'info' ? 'market1501, duke or celeba' : 'market1501 or duke'})`);
  const source = PEDESTRIAN[name];
  if (source === undefined) return usage(`unknown pipeline "${name}" for dataset ${command} (known: ${Object.keys(PEDESTRIAN).join(', ')}${command === 'info' ? ', celeba' : ''})`);
  return source;
};

const loadAnnotations = async (source: PedestrianSource, p: Parsed): Promise<PedestrianAnnotations> => {
  const dir = stringOption(p, 'data');
  const given = stringOption(p, 'annotations');
  if (dir === undefined && given === undefined) usage('give --data DIR or --annotations FILE');
  const file = findAnnotationFile(source, dir, given);
  if (E.isLeft(file)) return data(file.left.message);
  const ann = await loadPedestrianAttributes(source.schema, file.right)();
  if (E.isLeft(ann)) return data(ann.left.message);
  return ann.right;
};

const colourMode = (p: Parsed): 'groups' | 'binary' => {
  const c = stringOption(p, 'colours') ?? 'groups';
  if (c !== 'groups' && c !== 'binary') return usage(`--colours must be groups or binary, got ${JSON.stringify(c)}`);
  return c;
};

const attributesJson = (info: DatasetInfo, values: ReadonlyMap<string, readonly string[]>): AttributeJson[] =>
  info.attributes.map((a) =>
    a.kind === 'binary'
      ? { name: a.name, kind: 'binary', values: values.get(a.name) ?? ['no', 'yes'], positiveRate: a.positiveRate }
      : { name: a.name, kind: 'multiclass', classes: a.kind.multiclass, positiveRate: a.positiveRate },
  );

export interface PedestrianInfoJson {
  readonly pipeline: string;
  readonly annotations: string;
  readonly imageRoot: string | null;
  readonly colours: 'groups' | 'binary';
  readonly splits: DatasetInfo['splits'];
  readonly attributes: readonly AttributeJson[];
  readonly tasks: readonly AttributeJson[];
  readonly problems: ProblemsByKind;
}

const pedestrianInfo = async (p: Parsed): Promise<PedestrianInfoJson> => {
  const source = pedestrianSource(p, 'info');
  const colours = colourMode(p);
  for (const o of ['id', 'partition', 'seed', 'split']) if (p.values[o] !== undefined) usage(`--${o} does not apply to dataset info --pipeline ${source.name}`);
  const ann = await loadAnnotations(source, p);
  const dir = stringOption(p, 'data');
  let images;
  if (dir !== undefined) {
    const listed = await listPedestrianImages(dir)();
    if (E.isLeft(listed)) return data(listed.left.message);
    images = listed.right;
  }
  const withImages = images === undefined ? {} : { images };
  const fileForm = datasetInfo(ann, { colours: 'binary', ...withImages });
  const asTrained = colours === 'binary' ? fileForm : datasetInfo(ann, { colours, ...withImages });
  const values = new Map(allAttributes(ann.schema).map((a) => [a.name, a.values]));
  const problems: Finding[] = [...asTrained.problems];
  if (images !== undefined) {
    for (const [folder, l] of Object.entries(images.folders)) {
      if (l.junk > 0) {
        problems.push({
          kind: 'junk-images',
          subject: folder,
          count: l.junk,
          examples: [],
          message: `${dir}/${folder}: ${l.junk} junk image${l.junk === 1 ? '' : 's'} (identity -1 or 0000) left out`,
        });
      }
    }
  }
  return {
    pipeline: source.name,
    annotations: ann.file,
    imageRoot: dir ?? null,
    colours,
    splits: asTrained.splits,
    attributes: attributesJson(fileForm, values),
    tasks: attributesJson(asTrained, values),
    problems: byKind(problems),
  };
};

const rateText = (a: AttributeJson, split: string): string => {
  const r = a.positiveRate[split];
  if (typeof r === 'number') return pct(r);
  return Object.entries(r ?? {})
    .map(([c, x]) => `${c} ${pct(x)}`)
    .join(', ');
};

const attributeTable = (attributes: readonly AttributeJson[], splits: readonly string[]): string[] => {
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

const problemLines = (problems: ProblemsByKind): string[] => {
  const kinds = Object.entries(problems);
  if (kinds.length === 0) return ['problems: none'];
  const lines = ['problems:'];
  for (const [kind, entry] of kinds) {
    lines.push(`  ${kind} (${entry.count}):`);
    for (const r of entry.reports) lines.push(`    ${r.message}`);
  }
  return lines;
};

const formatPedestrianInfo = (info: PedestrianInfoJson): string => {
  const splits = Object.keys(info.splits);
  const title = info.pipeline === 'market1501' ? 'Market-1501' : 'DukeMTMC-reID';
  const lines = [`${title} attributes: ${info.annotations}${info.imageRoot === null ? '' : `; images in ${info.imageRoot}`}`, ''];
  lines.push(`${'split'.padEnd(6)}  identities${info.imageRoot === null ? '' : '   images'}`);
  for (const s of splits) {
    const x = info.splits[s];
    lines.push(`${s.padEnd(6)}  ${String(x.identities).padStart(10)}${x.images === undefined ? '' : String(x.images).padStart(9)}`);
  }
  lines.push('', `${info.attributes.length} attributes (share of identities with the second value, or with each class):`, ...attributeTable(info.attributes, splits));
  lines.push('', `${info.tasks.length} tasks (--colours ${info.colours}): ${info.tasks.map((t) => (t.kind === 'binary' ? t.name : `${t.name} (${t.classes?.length} classes)`)).join(', ')}`);
  lines.push('', ...problemLines(info.problems));
  return lines.join('\n');
};

const pedestrianShow = async (p: Parsed): Promise<{ split: PedestrianSplit; id: string; file: string; attributes: Readonly<Record<string, string>> }> => {
  const source = pedestrianSource(p, 'show');
  for (const o of ['colours', 'partition', 'seed']) if (p.values[o] !== undefined) usage(`--${o} does not apply to dataset show`);
  const idGiven = stringOption(p, 'id');
  if (idGiven === undefined || idGiven.trim() === '') return usage('--id ID is required (e.g. --id 0001)');
  const splitGiven = stringOption(p, 'split');
  if (splitGiven !== undefined && splitGiven !== 'train' && splitGiven !== 'test') return usage(`--split must be train or test, got ${JSON.stringify(splitGiven)}`);
  const ann = await loadAnnotations(source, p);
  const candidates = [idGiven.trim()];
  if (/^\d{1,3}$/.test(idGiven.trim())) candidates.push(idGiven.trim().padStart(4, '0'));
  const splits: PedestrianSplit[] = splitGiven === undefined ? ['test', 'train'] : [splitGiven];
  for (const id of candidates) {
    for (const split of splits) {
      if (ann.splits[split].ids.includes(id)) {
        const shown = showIdentity(ann, split, id);
        if (E.isLeft(shown)) return data(shown.left.message);
        return { split, id, file: ann.file, attributes: shown.right };
      }
    }
  }
  const id = candidates[candidates.length - 1];
  if (splitGiven === undefined) {
    return data(`${ann.file}: no identity ${id} in either split (train ${ann.splits.train.ids.length}, test ${ann.splits.test.ids.length} identities)`);
  }
  // The reader's message: names the file, and the other split when the identity is there.
  const shown = showIdentity(ann, splitGiven, id);
  return data(E.isLeft(shown) ? shown.left.message : `${ann.file}: no ${splitGiven} identity ${id}`);
};

// ---------------------------------------------------------------------------
// CelebA

export interface CelebaInfoJson {
  readonly pipeline: 'celeba';
  readonly annotations: string;
  readonly imageDir: string | null;
  readonly split: string;
  readonly splits: Readonly<Record<string, { readonly rows: number; readonly images?: number }>>;
  readonly attributes: readonly AttributeJson[];
  readonly problems: ProblemsByKind;
}

const celebaInfo = async (p: Parsed): Promise<CelebaInfoJson> => {
  for (const o of ['id', 'colours']) if (p.values[o] !== undefined) usage(`--${o} does not apply to dataset info --pipeline celeba`);
  const dir = stringOption(p, 'data');
  const given = stringOption(p, 'annotations');
  if (dir === undefined && given === undefined) usage('give --data DIR or --annotations FILE');
  const layout = dir === undefined ? undefined : findCelebaLayout(dir);
  const attributeFile = given ?? layout?.attributeFile;
  if (attributeFile === undefined) return data(`no list_attr_celeba.txt (or list_attr_celeba.csv) in ${dir}; pass --annotations FILE`);
  const partitionFile = stringOption(p, 'partition') ?? layout?.partitionFile;
  const splitText = stringOption(p, 'split');
  const seedText = stringOption(p, 'seed');
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0) usage(`--seed must be a non-negative integer, got ${JSON.stringify(seedText)}`);
  if (splitText !== undefined && !/^[\d.\s]+,[\d.\s]+,[\d.\s]+$/.test(splitText)) usage(`--split must be three fractions F,F,F for celeba, e.g. 0.8,0.1,0.1, got ${JSON.stringify(splitText)}`);
  const problems: Finding[] = [];
  const warn = (kind: string, subject: string, count: number, message: string): void => {
    problems.push({ kind, subject, count, examples: [], message });
  };
  let ids: readonly string[];
  let labels: Uint8Array;
  let names: readonly string[];
  let splitRows: Record<string, ArrayLike<number>>;
  let splitSource: string;
  if (partitionFile !== undefined || splitText !== undefined) {
    const loaded = await loadCelebaDataset({
      dir: dir ?? dirname(attributeFile),
      attributeFile,
      ...(partitionFile === undefined ? {} : { partitionFile }),
      ...(splitText === undefined ? {} : { split: splitText }),
      seed,
      checkImages: false,
    })();
    if (E.isLeft(loaded)) return loaded.left._tag === 'BadSplit' ? usage(loaded.left.message) : data(loaded.left.message);
    const ds = loaded.right;
    ({ ids, labels } = ds);
    names = ds.attributeNames;
    splitRows = { ...ds.splits };
    splitSource = ds.splitSource.kind === 'file' ? `partition file ${ds.splitSource.path}` : `seeded ${ds.splitSource.fractions.join(',')} by image id (seed ${ds.splitSource.seed})`;
    for (const w of ds.warnings) warn(w._tag === 'HeaderCountMismatch' ? 'header-count' : w._tag === 'SplitOverridesPartition' ? 'partition-ignored' : 'dropped-rows', 'file', 1, w.message);
  } else {
    const table = await readCelebaAttributes(attributeFile)();
    if (E.isLeft(table)) return data(table.left.message);
    ({ ids, labels, names } = table.right);
    splitRows = { all: Int32Array.from({ length: ids.length }, (_, i) => i) };
    splitSource = 'none (no partition file; --split F,F,F for a seeded one)';
    for (const w of table.right.warnings) warn(w._tag === 'HeaderCountMismatch' ? 'header-count' : 'file', 'file', 1, w.message);
  }
  let present: ReadonlySet<string> | undefined;
  const imageDir = layout?.imageDir;
  if (imageDir !== undefined) {
    if (existsSync(imageDir)) {
      const listed = await listImageDir(imageDir)();
      if (E.isLeft(listed)) return data(listed.left.message);
      present = listed.right;
    } else {
      warn('missing-folder', imageDir, 1, `${imageDir} does not exist`);
    }
  }
  const k = names.length;
  const splits: Record<string, { rows: number; images?: number }> = {};
  const rates: Record<string, Float64Array> = {};
  let missing = 0;
  const firstMissing: string[] = [];
  for (const [name, rows] of Object.entries(splitRows)) {
    const positives = new Float64Array(k);
    let imagesPresent = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      for (let j = 0; j < k; j++) positives[j] += labels[r * k + j];
      if (present !== undefined) {
        if (present.has(ids[r])) imagesPresent++;
        else if (missing++ < 5) firstMissing.push(ids[r]);
      }
    }
    rates[name] = positives.map((x) => (rows.length === 0 ? NaN : x / rows.length));
    splits[name] = { rows: rows.length, ...(present === undefined ? {} : { images: imagesPresent }) };
  }
  if (missing > 0) warn('missing-images', imageDir as string, missing, `${missing} of the ${ids.length} rows of ${attributeFile} have no image in ${imageDir} (${firstMissing.join(', ')}${missing > firstMissing.length ? ', ...' : ''})`);
  const attributes: AttributeJson[] = names.map((name, j) => ({
    name,
    kind: 'binary',
    values: ['-1', '1'],
    positiveRate: Object.fromEntries(Object.entries(rates).map(([s, r]) => [s, r[j]])),
  }));
  return { pipeline: 'celeba', annotations: attributeFile, imageDir: present === undefined ? null : (imageDir as string), split: splitSource, splits, attributes, problems: byKind(problems) };
};

const formatCelebaInfo = (info: CelebaInfoJson): string => {
  const splits = Object.keys(info.splits);
  const lines = [`CelebA attributes: ${info.annotations}${info.imageDir === null ? '' : `; images in ${info.imageDir}`}`, `split: ${info.split}`, ''];
  lines.push(`${'split'.padEnd(6)}  ${'rows'.padStart(7)}${info.imageDir === null ? '' : '   images'}`);
  for (const s of splits) {
    const x = info.splits[s];
    lines.push(`${s.padEnd(6)}  ${String(x.rows).padStart(7)}${x.images === undefined ? '' : String(x.images).padStart(9)}`);
  }
  lines.push('', `${info.attributes.length} attributes (share of rows with 1):`, ...attributeTable(info.attributes, splits), '', ...problemLines(info.problems));
  return lines.join('\n');
};

// ---------------------------------------------------------------------------

export const datasetCommand = async (argv: readonly string[], io: DatasetIo = processIo): Promise<number> => {
  const [sub, ...rest] = argv;
  const print = (text: string): void => io.out(`${text}\n`);
  const fail = (message: string, code: 1 | 2): number => {
    io.err(`awmtl dataset${sub === 'info' || sub === 'show' ? ` ${sub}` : ''}: ${message}\n${code === 2 ? "(see 'awmtl dataset --help')\n" : ''}`);
    return code;
  };
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    print(datasetUsage());
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'info' && sub !== 'show') return fail(`unknown subcommand "${sub}" (info or show)`, 2);
  const parsed = parseCommandArgs(rest, SPEC);
  if (E.isLeft(parsed)) return fail(parsed.left.message, 2);
  const p = parsed.right;
  if (flagOption(p, 'help')) {
    print(datasetUsage());
    return 0;
  }
  if (p.positionals.length > 0) return fail(`unexpected argument ${JSON.stringify(p.positionals[0])}`, 2);
  const json = flagOption(p, 'json');
  try {
    if (sub === 'info') {
      if (stringOption(p, 'pipeline') === 'celeba') {
        const info = await celebaInfo(p);
        print(json ? JSON.stringify(info) : formatCelebaInfo(info));
      } else {
        const info = await pedestrianInfo(p);
        print(json ? JSON.stringify(info) : formatPedestrianInfo(info));
      }
    } else {
      const shown = await pedestrianShow(p);
      if (json) print(JSON.stringify(shown.attributes));
      else {
        const width = Math.max(...Object.keys(shown.attributes).map((k) => k.length));
        print([`${shown.split} identity ${shown.id} (${shown.file})`, ...Object.entries(shown.attributes).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n'));
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof Failure) return fail(error.message, error.code);
    throw error;
  }
};
