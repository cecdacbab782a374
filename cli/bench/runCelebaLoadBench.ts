/**
 * `awmtl bench celeba-load`: how long the full-size CelebA annotation files (202,599 rows of 40
 * attributes, generated with pseudo-random labels into a scratch folder) take to parse and load,
 * and how much memory the parsed table keeps. Figures to print, not thresholds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import {
  CELEBA_ATTRIBUTES,
  CELEBA_FULL,
  celebaImageName,
  formatCelebaAttributes,
  formatCelebaPartition,
  loadCelebaDataset,
  parseAttributes,
} from '../../src/data/celeba.js';

export interface CelebaLoadBenchResult {
  readonly rows: number;
  readonly fileMiB: number;
  readonly formatMs: number;
  readonly parseMs: number;
  /** Heap + array buffers kept by the parsed table (after a GC when `gc` is given, else a rough figure). */
  readonly retainedMiB: number;
  /** loadCelebaDataset: read both files, parse, join the official partition. */
  readonly loadMs: number;
  /** The same with a seeded 0.8,0.1,0.1 split instead of the partition file. */
  readonly loadSeededMs: number;
}

/** The attribute files of a full-size CelebA (pseudo-random labels), in a folder. */
export const writeFullCelebaAnnotations = (dir: string): { ids: string[]; labels: Uint8Array; text: Buffer; formatMs: number } => {
  const n = CELEBA_FULL.rows;
  const k = CELEBA_ATTRIBUTES.length;
  const ids = Array.from({ length: n }, (_, i) => celebaImageName(i + 1));
  const labels = new Uint8Array(n * k);
  for (let i = 0; i < labels.length; i++) labels[i] = (Math.imul(i, 2654435761) >>> 27) & 1;
  const t0 = performance.now();
  const text = Buffer.from(formatCelebaAttributes(CELEBA_ATTRIBUTES, ids, labels), 'latin1');
  const formatMs = performance.now() - t0;
  const codes = ids.map((_, i) => (i < CELEBA_FULL.train ? 0 : i < CELEBA_FULL.train + CELEBA_FULL.val ? 1 : 2));
  writeFileSync(join(dir, 'list_attr_celeba.txt'), text);
  writeFileSync(join(dir, 'list_eval_partition.txt'), formatCelebaPartition(ids, codes));
  return { ids, labels, text, formatMs };
};

export const runCelebaLoadBench = async (gc?: () => void): Promise<CelebaLoadBenchResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'awmtl-bench-celeba-'));
  try {
    const { text, formatMs } = writeFullCelebaAnnotations(dir);
    gc?.();
    const before = process.memoryUsage();
    const t0 = performance.now();
    const parsed = parseAttributes(text, 'list_attr_celeba.txt');
    const parseMs = performance.now() - t0;
    gc?.();
    const after = process.memoryUsage();
    if (E.isLeft(parsed)) throw new Error(`celeba-load bench: ${parsed.left.message}`);
    const retainedMiB = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
    const t1 = performance.now();
    const ds = await loadCelebaDataset({ dir, checkImages: false })();
    const loadMs = performance.now() - t1;
    if (E.isLeft(ds)) throw new Error(`celeba-load bench: ${ds.left.message}`);
    const t2 = performance.now();
    const seeded = await loadCelebaDataset({ dir, checkImages: false, split: '0.8,0.1,0.1', seed: 1 })();
    const loadSeededMs = performance.now() - t2;
    if (E.isLeft(seeded)) throw new Error(`celeba-load bench: ${seeded.left.message}`);
    return { rows: parsed.right.ids.length, fileMiB: text.length / 2 ** 20, formatMs, parseMs, retainedMiB, loadMs, loadSeededMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
