/** `awmtl dataset info --pipeline celeba`: rows, present images, splits and attribute rates of a CelebA attribute file. */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { findCelebaLayout, listImageDir, loadCelebaDataset, readCelebaAttributes } from '../../src/data/celeba.js';
import { attributeTable, type AttributeJson, byKind, data, type DatasetArgs, type Finding, problemLines, type ProblemsByKind, usage } from './datasetReport.js';


export interface CelebaInfoJson {
  readonly pipeline: 'celeba';
  readonly annotations: string;
  readonly imageDir: string | null;
  readonly split: string;
  readonly splits: Readonly<Record<string, { readonly rows: number; readonly images?: number }>>;
  readonly attributes: readonly AttributeJson[];
  readonly problems: ProblemsByKind;
}

export const celebaInfo = async (p: DatasetArgs): Promise<CelebaInfoJson> => {
  for (const o of ['id', 'colours']) if (p.given.has(o)) usage(`--${o} does not apply to dataset info --pipeline celeba`);
  const dir = p.values.data;
  const given = p.values.annotations;
  if (dir === undefined && given === undefined) usage('give --data DIR or --annotations FILE');
  const layout = dir === undefined ? undefined : findCelebaLayout(dir);
  const attributeFile = given ?? layout?.attributeFile;
  if (attributeFile === undefined) return data(`no list_attr_celeba.txt (or list_attr_celeba.csv) in ${dir}; pass --annotations FILE`);
  const partitionFile = p.values.partition ?? layout?.partitionFile;
  const splitText = p.values.split;
  const seed = p.values.seed;
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

export const formatCelebaInfo = (info: CelebaInfoJson): string => {
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
