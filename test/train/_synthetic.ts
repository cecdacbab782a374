/**
 * A tiny learnable problem for trainer tests: 8x8 grey images, noise in [0, 0.5] plus a bright
 * quadrant q. Tasks: 'left' (q is a left quadrant), 'top' (q is a top quadrant), 'quadrant' (q, 4
 * classes). A fraction of the labels is missing.
 */
import type { Batch } from '../../src/data/batch.js';
import { Rng } from '../../src/random.js';
import { binaryTask, MISSING_LABEL, multiClassTask, type TaskSpec } from '../../src/tasks.js';

export const SIZE = 8;

export const syntheticTasks: readonly TaskSpec[] = [binaryTask('left'), binaryTask('top'), multiClassTask('quadrant', ['tl', 'tr', 'bl', 'br'])];

export const syntheticBatch = (rng: Rng, size: number, missing = 0.1): Batch => {
  const images = new Float32Array(size * SIZE * SIZE);
  const labels = new Float32Array(size * 3);
  for (let n = 0; n < size; n++) {
    const q = rng.int(4);
    const top = q < 2;
    const left = q % 2 === 0;
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        const inQ = r < SIZE / 2 === top && c < SIZE / 2 === left;
        images[n * SIZE * SIZE + r * SIZE + c] = rng.next() * 0.5 + (inQ ? 0.5 : 0);
      }
    }
    const row = [left ? 1 : 0, top ? 1 : 0, q];
    for (let j = 0; j < 3; j++) labels[n * 3 + j] = rng.next() < missing ? MISSING_LABEL : row[j];
  }
  return { images, labels, size, height: SIZE, width: SIZE, channels: 1, tasks: 3 };
};

export const mean = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
