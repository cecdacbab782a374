/**
 * The official Market-1501 attribute evaluation (evaluate_market_attribute.m
 * of vana77/Market-1501_Attribute), reimplemented.
 *
 * Twelve tasks, each scored by accuracy over images (every annotated image of
 * bounding_box_test, junk ids excluded; an image takes its identity's
 * attributes), and the mean of the twelve:
 *   gender, hair, age, up, down, clothes, hat, backpack, bag, handbag:
 *     correct when the predicted code equals the file's code (age 1..4);
 *   upper colour: the prediction is one colour (an argmax); correct when the
 *     identity's attribute for that colour is 2 (yes). So an identity with
 *     several colours accepts any of them, one with none accepts nothing;
 *   lower colour: likewise.
 * The official prediction matrix codes colours as 1..8 in the order black,
 * white, red, purple, gray, blue, green, yellow (upper) and 1..9 in the order
 * black, white, pink, gray, blue, green, brown, yellow, purple (lower): see
 * OFFICIAL_UP_COLOURS / OFFICIAL_DOWN_COLOURS.
 */
import * as E from 'fp-ts/lib/Either.js';
import { logitLayout, type TaskSpec } from '../tasks.js';
import { sampleCount, type ScoreScale } from './predictLabels.js';

/** The twelve columns of the official prediction matrix, in order. */
export const OFFICIAL_TASKS = ['gender', 'hair', 'age', 'up', 'down', 'clothes', 'hat', 'backpack', 'bag', 'handbag', 'upcolor', 'downcolor'] as const;
export const OFFICIAL_UP_COLOURS = ['black', 'white', 'red', 'purple', 'gray', 'blue', 'green', 'yellow'] as const;
export const OFFICIAL_DOWN_COLOURS = ['black', 'white', 'pink', 'gray', 'blue', 'green', 'brown', 'yellow', 'purple'] as const;

const PLAIN = OFFICIAL_TASKS.slice(0, 10);

/** Per-image file codes by attribute name (e.g. from imageCodes in src/data/pedestrian.ts): 'gender', ..., 'upblack', ... */
export type MarketTruth = Readonly<Record<string, ArrayLike<number>>>;

export interface OfficialResult {
  readonly perTask: readonly { readonly task: (typeof OFFICIAL_TASKS)[number]; readonly correct: number; readonly accuracy: number }[];
  /** Mean of the twelve accuracies. */
  readonly mean: number;
  readonly images: number;
}

export interface OfficialError {
  readonly _tag: 'OfficialProtocolMismatch';
  readonly message: string;
}

const mismatch = (message: string): E.Either<OfficialError, never> => E.left({ _tag: 'OfficialProtocolMismatch', message });

/**
 * Score an official-style prediction matrix: row-major [N, 12], columns as
 * OFFICIAL_TASKS, values in the file's codes (1/2, age 1..4) and colours as
 * official class numbers (1-based into OFFICIAL_UP_COLOURS / OFFICIAL_DOWN_COLOURS).
 */
export const officialFromMatrix = (predicted: ArrayLike<number>, truth: MarketTruth): E.Either<OfficialError, OfficialResult> => {
  if (predicted.length % 12 !== 0) return mismatch(`prediction matrix: length ${predicted.length} is not a multiple of 12`);
  const n = predicted.length / 12;
  const needed = [...PLAIN, ...OFFICIAL_UP_COLOURS.map((c) => `up${c}`), ...OFFICIAL_DOWN_COLOURS.map((c) => `down${c}`)];
  const absent = needed.filter((a) => truth[a] === undefined);
  if (absent.length > 0) return mismatch(`truth lacks ${absent.join(', ')}`);
  const short = needed.filter((a) => truth[a].length !== n);
  if (short.length > 0) return mismatch(`truth has ${truth[short[0]].length} values for ${short[0]}, predictions ${n} rows`);
  const correct = new Array<number>(12).fill(0);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 10; c++) if (predicted[i * 12 + c] === truth[PLAIN[c]][i]) correct[c]++;
    const up = OFFICIAL_UP_COLOURS[predicted[i * 12 + 10] - 1];
    if (up !== undefined && truth[`up${up}`][i] === 2) correct[10]++;
    const down = OFFICIAL_DOWN_COLOURS[predicted[i * 12 + 11] - 1];
    if (down !== undefined && truth[`down${down}`][i] === 2) correct[11]++;
  }
  const perTask = OFFICIAL_TASKS.map((task, c) => ({ task, correct: correct[c], accuracy: n === 0 ? NaN : correct[c] / n }));
  return E.right({ perTask, mean: perTask.reduce((a, p) => a + p.accuracy, 0) / 12, images: n });
};

/**
 * The official prediction matrix [N, 12] from a model's scores. The model's
 * tasks are found by name: binary 'gender', 'hair', 'up', 'down', 'clothes',
 * 'hat', 'backpack', 'bag', 'handbag' (label 1 = code 2), multi-class 'age'
 * (4 classes), and the colours either as multi-class 'upcolor' / 'downcolor'
 * (classes named by colour) or as binary 'up<colour>' / 'down<colour>' tasks,
 * whose argmax is the predicted colour (the protocol's argmax; sigmoid is
 * monotonic, so logits and probabilities agree).
 */
export const officialMatrix = (
  scores: ArrayLike<number>,
  tasks: readonly TaskSpec[],
  scale: ScoreScale = 'logits',
): E.Either<OfficialError, Int32Array> => {
  const n = sampleCount(scores, tasks);
  const { offsets, width } = logitLayout(tasks);
  const index = new Map(tasks.map((t, k) => [t.name, k]));
  const threshold = scale === 'logits' ? 0 : 0.5;
  const missing: string[] = [];
  const plain = PLAIN.map((name) => {
    const k = index.get(name);
    const ok = k !== undefined && (name === 'age' ? tasks[k].kind === 'multiclass' && (tasks[k] as { classes: readonly string[] }).classes.length === 4 : tasks[k].kind === 'binary');
    if (!ok) missing.push(name === 'age' ? 'age (4 classes)' : `${name} (binary)`);
    return k ?? -1;
  });
  /** For each official colour: the score offset to compare (one slot per colour). */
  const colourSlots = (group: 'up' | 'down', colours: readonly string[]): number[] => {
    const task = `${group}color`;
    const k = index.get(task);
    if (k !== undefined && tasks[k].kind === 'multiclass') {
      const classes = (tasks[k] as { classes: readonly string[] }).classes;
      const slots = colours.map((c) => classes.indexOf(c));
      if (slots.every((s) => s >= 0)) return slots.map((s) => offsets[k] + s);
      missing.push(`${task} with classes ${colours.join(', ')}`);
      return [];
    }
    const binaries = colours.map((c) => index.get(group + c));
    if (binaries.every((b) => b !== undefined && tasks[b].kind === 'binary')) return binaries.map((b) => offsets[b as number]);
    missing.push(`${task} (multi-class) or binary ${colours.map((c) => group + c).join(', ')}`);
    return [];
  };
  const upSlots = colourSlots('up', OFFICIAL_UP_COLOURS);
  const downSlots = colourSlots('down', OFFICIAL_DOWN_COLOURS);
  if (missing.length > 0) return mismatch(`the tasks lack what the official Market-1501 protocol scores: ${missing.join('; ')}`);
  const out = new Int32Array(n * 12);
  const argmax = (row: number, slots: readonly number[]): number => {
    let best = 0;
    for (let s = 1; s < slots.length; s++) if (scores[row + slots[s]] > scores[row + slots[best]]) best = s;
    return best + 1;
  };
  for (let i = 0; i < n; i++) {
    const row = i * width;
    plain.forEach((k, c) => {
      const o = row + offsets[k];
      if (tasks[k].kind === 'binary') out[i * 12 + c] = scores[o] > threshold ? 2 : 1;
      else {
        let best = 0;
        for (let j = 1; j < 4; j++) if (scores[o + j] > scores[o + best]) best = j;
        out[i * 12 + c] = best + 1;
      }
    });
    out[i * 12 + 10] = argmax(row, upSlots);
    out[i * 12 + 11] = argmax(row, downSlots);
  }
  return E.right(out);
};

/** The official 12-task accuracy of a model's scores against per-image file codes. */
export const marketOfficialAccuracy = (
  scores: ArrayLike<number>,
  tasks: readonly TaskSpec[],
  truth: MarketTruth,
  scale: ScoreScale = 'logits',
): E.Either<OfficialError, OfficialResult> => E.chain((m: Int32Array) => officialFromMatrix(m, truth))(officialMatrix(scores, tasks, scale));
