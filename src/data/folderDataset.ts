/**
 * The user's own dataset: a folder of images and a label table (`labels.csv` in the
 * folder, `labels.tsv`, or any file given).
 *
 *   image,hat,gender,colour,person,split
 *   p1/0001.jpg,1,female,red,0001,train
 *   p1/0002.jpg,,female,,0001,train        <- empty cell: missing label (masked)
 *   p2/0107.jpg,0,male,blue,0107,test
 *
 * - Separator: a tab if the file name ends in .tsv or the header holds a tab, else a comma.
 *   Fields may be quoted with "..." ("" inside is a quote). Blank lines are skipped; a BOM and
 *   CRLF endings are accepted.
 * - `image` (first column): path relative to the folder. Each must exist, once.
 * - `split` (optional): train, val (or validation) or test on every row.
 * - The group column (optional, by name, e.g. a person id) is not a task: a seeded split
 *   keeps each group in one split.
 * - Every other column is a task. Its set of values decides (case-insensitively for the words):
 *   {0,1}, {-1,1}, {true,false}, {yes,no} -> binary (the second value is the positive; the
 *   numbers are shown as no/yes);
 *   anything else -> multi-class of its distinct values (numeric order if all numbers, else
 *   text order), at most {@link MAX_CLASSES}. A column with one value only is an error (there
 *   is nothing to learn), as is a column with no value.
 *
 * Every error names the file, the line (1-based, the header is line 1) and the column
 * (1-based, with its name).
 *
 * Pure parsing ({@link parseLabelTable}) plus a loader that checks the images exist.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { binaryTask, MISSING_LABEL, multiClassTask, type TaskSpec } from '../tasks.js';
import { type SplitFractions, type SplitName, parseSplitFractions, seededSplit } from './split.js';

export const MAX_CLASSES = 256;
export const DEFAULT_FOLDER_SPLIT: SplitFractions = [0.8, 0.1, 0.1];

export type FolderError = {
  readonly _tag: 'FolderLabelError';
  readonly file: string;
  /** 1-based line of the file (1 = header); 0 when the error is not about one line. */
  readonly line: number;
  /** 1-based column, 0 when none. */
  readonly column: number;
  readonly message: string;
};

const error = (file: string, line: number, column: number, columnName: string | undefined, why: string): FolderError => ({
  _tag: 'FolderLabelError',
  file,
  line,
  column,
  message: `${file}${line > 0 ? ` line ${line}` : ''}${column > 0 ? `, column ${column}${columnName === undefined ? '' : ` (${columnName})`}` : ''}: ${why}`,
});

/** One task column as decoded: its spec and the label of each row (MISSING_LABEL where empty). */
export interface LabelTable {
  readonly file: string;
  readonly tasks: readonly TaskSpec[];
  /** Image path per row, as written (relative to the folder). */
  readonly images: readonly string[];
  /** Line of the file each row came from. */
  readonly lines: readonly number[];
  /** Labels, row-major [rows, tasks]. */
  readonly labels: Float32Array;
  /** The split column's value per row, if the table has one. */
  readonly splits?: readonly SplitName[];
  /** 1-based column of the split column, if any. */
  readonly splitColumn?: number;
  /** The group column's value per row, if one was asked for. */
  readonly groups?: readonly string[];
  /** Empty cells per task. */
  readonly missing: readonly number[];
}

/** Splits one line into fields; Left with the 1-based column of a broken quote. */
const splitLine = (line: string, sep: string): E.Either<number, string[]> => {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) return E.left(out.length + 1);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== sep) return E.left(out.length + 1);
      out.push(value);
    } else {
      const next = line.indexOf(sep, i);
      const end = next < 0 ? line.length : next;
      out.push(line.slice(i, end).trim());
      i = end;
    }
    if (i >= line.length) return E.right(out);
    i++; // the separator
  }
};

const BINARY_SETS: readonly (readonly [string, string])[] = [
  ['0', '1'],
  ['-1', '1'],
  ['false', 'true'],
  ['no', 'yes'],
];

const SPLIT_VALUES: Readonly<Record<string, SplitName>> = { train: 'train', val: 'val', validation: 'val', test: 'test' };

/**
 * Parses a label table.
 * @param file its path (for messages and the separator)
 * @param text its content
 * @param groupBy name of the group column, if any
 */
export const parseLabelTable = (file: string, text: string, groupBy?: string): E.Either<FolderError, LabelTable> => {
  const rawLines = text.replace(/^\uFEFF/, '').split('\n');
  const numbered: { line: number; text: string }[] = [];
  rawLines.forEach((l, i) => {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (t.trim() !== '') numbered.push({ line: i + 1, text: t });
  });
  if (numbered.length === 0) return E.left(error(file, 0, 0, undefined, 'empty label file (expected a header image,<task>,...)'));
  const head = numbered[0];
  const sep = file.toLowerCase().endsWith('.tsv') || head.text.includes('\t') ? '\t' : ',';
  const headerE = splitLine(head.text, sep);
  if (E.isLeft(headerE)) return E.left(error(file, head.line, headerE.left, undefined, 'unterminated quote'));
  const header = headerE.right;
  const width = header.length;
  if (header[0].toLowerCase() !== 'image') {
    return E.left(error(file, head.line, 1, header[0], `the first column must be "image" (the image path), got ${JSON.stringify(header[0])}`));
  }
  const seen = new Map<string, number>();
  for (let c = 0; c < width; c++) {
    if (header[c] === '') return E.left(error(file, head.line, c + 1, undefined, 'empty column name'));
    const prev = seen.get(header[c].toLowerCase());
    if (prev !== undefined) return E.left(error(file, head.line, c + 1, header[c], `duplicate column name (also column ${prev + 1})`));
    seen.set(header[c].toLowerCase(), c);
  }
  const splitCol = header.findIndex((h, c) => c > 0 && h.toLowerCase() === 'split');
  const groupCol = groupBy === undefined ? -1 : header.findIndex((h, c) => c > 0 && h === groupBy);
  if (groupBy !== undefined && groupCol < 0) {
    return E.left(error(file, head.line, 0, undefined, `no column ${JSON.stringify(groupBy)} for --group-by (columns: ${header.slice(1).join(', ')})`));
  }
  const taskCols = header.map((_, c) => c).filter((c) => c > 0 && c !== splitCol && c !== groupCol);
  if (taskCols.length === 0) return E.left(error(file, head.line, 0, undefined, 'no task column (expected image,<task>,...)'));

  const rows: { line: number; cells: string[] }[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, text: t } of numbered.slice(1)) {
    const cellsE = splitLine(t, sep);
    if (E.isLeft(cellsE)) return E.left(error(file, line, cellsE.left, header[cellsE.left - 1], 'unterminated quote'));
    const cells = cellsE.right;
    if (cells.length < width) {
      return E.left(error(file, line, cells.length + 1, header[cells.length], `missing value: ${cells.length} columns, the header has ${width}${sep === '\t' ? ' (tab-separated)' : ''}`));
    }
    if (cells.length > width) {
      return E.left(error(file, line, width + 1, undefined, `extra value: ${cells.length} columns, the header has ${width}${sep === '\t' ? ' (tab-separated)' : ''}`));
    }
    const image = cells[0];
    if (image === '') return E.left(error(file, line, 1, header[0], 'empty image path'));
    const before = firstLine.get(image);
    if (before !== undefined) return E.left(error(file, line, 1, header[0], `duplicate image ${JSON.stringify(image)} (first on line ${before})`));
    firstLine.set(image, line);
    rows.push({ line, cells });
  }
  if (rows.length === 0) return E.left(error(file, head.line, 0, undefined, 'no data row after the header'));

  let splits: SplitName[] | undefined;
  if (splitCol >= 0) {
    splits = [];
    for (const r of rows) {
      const v = SPLIT_VALUES[r.cells[splitCol].toLowerCase()];
      if (v === undefined) return E.left(error(file, r.line, splitCol + 1, header[splitCol], `unknown split ${JSON.stringify(r.cells[splitCol])} (expected train, val or test)`));
      splits.push(v);
    }
  }
  let groups: string[] | undefined;
  if (groupCol >= 0) {
    groups = [];
    for (const r of rows) {
      if (r.cells[groupCol] === '') return E.left(error(file, r.line, groupCol + 1, header[groupCol], 'empty group value (--group-by needs one on every row)'));
      groups.push(r.cells[groupCol]);
    }
  }

  const m = taskCols.length;
  const labels = new Float32Array(rows.length * m);
  const tasks: TaskSpec[] = [];
  const missing: number[] = [];
  for (let j = 0; j < m; j++) {
    const c = taskCols[j];
    const name = header[c];
    const firstOf = new Map<string, number>();
    let empty = 0;
    for (const r of rows) {
      const v = r.cells[c];
      if (v === '') {
        empty++;
        continue;
      }
      if (!firstOf.has(v)) {
        firstOf.set(v, r.line);
        if (firstOf.size > MAX_CLASSES) {
          return E.left(error(file, r.line, c + 1, name, `more than ${MAX_CLASSES} distinct values (${JSON.stringify(v)} is the ${MAX_CLASSES + 1}th): not a class label`));
        }
      }
    }
    const values = [...firstOf.keys()];
    if (values.length === 0) return E.left(error(file, head.line, c + 1, name, 'no value in any row'));
    const lower = new Set(values.map((v) => v.toLowerCase()));
    if (values.length === 1 || lower.size === 1) {
      return E.left(error(file, head.line, c + 1, name, `one value only (${JSON.stringify(values[0])} on all ${rows.length - empty} labelled rows): nothing to learn; drop the column`));
    }
    const binary = lower.size === 2 ? BINARY_SETS.find((b) => lower.has(b[0]) && lower.has(b[1])) : undefined;
    let labelOf: (v: string) => number;
    if (binary !== undefined) {
      // 0/1 and -1/1 read as no/yes; true/false keep their names.
      tasks.push(binaryTask(name, binary[0] === 'false' ? binary : undefined));
      labelOf = (v) => (v.toLowerCase() === binary[1] ? 1 : 0);
    } else {
      const numeric = values.every((v) => Number.isFinite(Number(v)));
      const classes = [...values].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
      tasks.push(multiClassTask(name, classes));
      const index = new Map(classes.map((v, k) => [v, k]));
      labelOf = (v) => index.get(v) as number;
    }
    rows.forEach((r, i) => {
      const v = r.cells[c];
      labels[i * m + j] = v === '' ? MISSING_LABEL : labelOf(v);
    });
    missing.push(empty);
  }
  return E.right({
    file,
    tasks,
    images: rows.map((r) => r.cells[0]),
    lines: rows.map((r) => r.line),
    labels,
    missing,
    ...(splits === undefined ? {} : { splits, splitColumn: splitCol + 1 }),
    ...(groups === undefined ? {} : { groups }),
  });
};

export interface FolderDataset {
  readonly table: LabelTable;
  readonly root: string;
  readonly labelFile: string;
  /** Row indices of each split, ascending. */
  readonly splits: Readonly<Record<SplitName, Int32Array>>;
  /** How the split was made, in words. */
  readonly splitSource: string;
  imagePath(row: number): string;
  labelsInto(row: number, out: Float32Array, offset: number): void;
}

export interface FolderOptions {
  readonly dir: string;
  /** Label file; default DIR/labels.csv, else DIR/labels.tsv. */
  readonly labels?: string;
  /** Seeded split fractions `0.8,0.1,0.1` when the table has no split column. */
  readonly split?: string;
  readonly groupBy?: string;
  readonly seed: number;
}

const exists = async (path: string): Promise<'file' | 'other' | 'none'> => {
  try {
    return (await stat(path)).isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
};

/** The label file of a folder: the one given, else labels.csv, else labels.tsv. */
export const findLabelFile = async (dir: string, given?: string): Promise<E.Either<FolderError, string>> => {
  if (given !== undefined) {
    const kind = await exists(given);
    return kind === 'file' ? E.right(given) : E.left(error(given, 0, 0, undefined, `${kind === 'none' ? 'no such file' : 'not a file'} (--labels)`));
  }
  for (const name of ['labels.csv', 'labels.tsv']) {
    if ((await exists(join(dir, name))) === 'file') return E.right(join(dir, name));
  }
  return E.left(error(join(dir, 'labels.csv'), 0, 0, undefined, 'no such file (nor labels.tsv): put the label table there or pass --labels FILE'));
};

/** Rows per split from a seeded split of the rows' groups (or of the images themselves). */
const seededRows = (table: LabelTable, fractions: SplitFractions, seed: number): Record<SplitName, Int32Array> => {
  const keys = table.groups ?? table.images;
  const distinct = [...new Set(keys)];
  const bySplit = seededSplit(distinct, fractions, seed);
  const where = new Map<string, SplitName>();
  for (const s of ['train', 'val', 'test'] as const) for (const k of bySplit[s]) where.set(distinct[k], s);
  const out: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  keys.forEach((k, row) => out[where.get(k) as SplitName].push(row));
  return { train: Int32Array.from(out.train), val: Int32Array.from(out.val), test: Int32Array.from(out.test) };
};

/** Loads a folder dataset: label file, table, split, and a check that every image exists. */
export const loadFolderDataset = async (options: FolderOptions): Promise<E.Either<FolderError, FolderDataset>> => {
  const fileE = await findLabelFile(options.dir, options.labels);
  if (E.isLeft(fileE)) return fileE;
  const file = fileE.right;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return E.left(error(file, 0, 0, undefined, `cannot read: ${(e as Error).message}`));
  }
  const tableE = parseLabelTable(file, text, options.groupBy);
  if (E.isLeft(tableE)) return tableE;
  const table = tableE.right;
  const root = resolve(options.dir);
  const paths = table.images.map((p) => (isAbsolute(p) ? p : join(root, p)));
  // Check every image (stat in bounded parallel batches).
  for (let start = 0; start < paths.length; start += 64) {
    const kinds = await Promise.all(paths.slice(start, start + 64).map(exists));
    const bad = kinds.findIndex((k) => k !== 'file');
    if (bad >= 0) {
      const i = start + bad;
      return E.left(error(file, table.lines[i], 1, 'image', `${kinds[bad] === 'none' ? 'no such image' : 'not a file'}: ${paths[i]} (paths are relative to ${root})`));
    }
  }
  let splits: Record<SplitName, Int32Array>;
  let splitSource: string;
  if (table.splits !== undefined) {
    if (options.split !== undefined) {
      return E.left(error(file, 1, table.splitColumn ?? 0, 'split', '--split conflicts with the split column: use one or the other'));
    }
    const out: Record<SplitName, number[]> = { train: [], val: [], test: [] };
    table.splits.forEach((s, row) => out[s].push(row));
    splits = { train: Int32Array.from(out.train), val: Int32Array.from(out.val), test: Int32Array.from(out.test) };
    splitSource = `the split column of ${basename(file)}`;
  } else {
    const fractionsE = options.split === undefined ? E.right(DEFAULT_FOLDER_SPLIT) : parseSplitFractions(options.split);
    if (E.isLeft(fractionsE)) return E.left(error(file, 0, 0, undefined, `--split: ${fractionsE.left.message}`));
    splits = seededRows(table, fractionsE.right, options.seed);
    const f = fractionsE.right.join(',');
    splitSource =
      table.groups === undefined
        ? `seeded ${f} by image (seed ${options.seed}); no split column, no --group-by`
        : `seeded ${f} by ${JSON.stringify(options.groupBy)} (seed ${options.seed}): no group in two splits`;
  }
  const m = table.tasks.length;
  return E.right({
    table,
    root,
    labelFile: file,
    splits,
    splitSource,
    imagePath: (row) => paths[row],
    labelsInto: (row, out, offset) => {
      for (let j = 0; j < m; j++) out[offset + j] = table.labels[row * m + j];
    },
  });
};

/** A path as shown to the user: relative to the folder when inside it. */
export const displayPath = (root: string, path: string): string => {
  const r = relative(root, path);
  return r.startsWith('..') ? path : r;
};
