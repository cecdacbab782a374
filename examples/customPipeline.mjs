// (a) A custom pipeline composed from awmtl's RxJS operators, with a custom
// weighting strategy registered by name, on a tiny in-memory dataset.
//
// The "network" is a per-task logistic regression in plain JavaScript (no
// TensorFlow.js), trained by gradient steps on sum_j w_j L_j: the operators
// only need a step function that returns plain per-task losses.
import { range, lastValueFrom, map, toArray, zip } from 'rxjs';
import { adaptiveTraining } from 'awmtl/operators';
import { createStrategy, registerStrategy } from 'awmtl/weighting';

// A strategy: weight each task by its share of the mean validation loss of the last window (mean weight 1).
const proportional = {
  name: 'proportional',
  summary: 'weights proportional to the current validation loss',
  paramsHelp: { k: 'window length in iterations' },
  create: (params) => {
    const k = Number(params.k ?? 5);
    if (!Number.isInteger(k) || k < 1) return { _tag: 'Left', left: { _tag: 'StrategyParamError', strategy: 'proportional', param: 'k', message: `k must be a positive integer, got ${params.k}` } };
    return {
      _tag: 'Right',
      right: {
        name: 'proportional',
        reads: 'valLoss',
        cadence: { _tag: 'window', k },
        params: { k },
        start: () => ({
          update: (input) => {
            const total = input.cur.reduce((a, b) => a + b, 0);
            return { _tag: 'Updated', iteration: input.iteration, weights: input.cur.map((c) => (c * input.cur.length) / total) };
          },
        }),
      },
    };
  },
};
const registered = registerStrategy(proportional);
if (registered._tag === 'Left') throw new Error(registered.left.message);

// Tiny dataset: 2 features, 2 tasks (x0 > 0, x0 + x1 > 0.5), 200 samples, a fixed pseudo-random generator.
let seed = 7;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
const samples = Array.from({ length: 200 }, () => {
  const x = [rand(), rand()];
  return { x, y: [x[0] > 0 ? 1 : 0, x[0] + x[1] > 0.5 ? 1 : 0] };
});
const train = samples.slice(0, 150);
const val = samples.slice(150);
const batchOf = (set, t) => Array.from({ length: 16 }, (_, i) => set[(t * 16 + i) % set.length]);

// Per-task weights (2 inputs + bias) of the logistic regressions.
const params = [
  [0, 0, 0],
  [0, 0, 0],
];
const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const lossOf = (batch, j) =>
  batch.reduce((a, s) => {
    const p = sigmoid(params[j][0] * s.x[0] + params[j][1] * s.x[1] + params[j][2]);
    return a - (s.y[j] * Math.log(p + 1e-9) + (1 - s.y[j]) * Math.log(1 - p + 1e-9));
  }, 0) / batch.length;

const step = ({ train: batch, val: vbatch, weights }) => {
  const trainLoss = [0, 1].map((j) => lossOf(batch, j));
  for (const j of [0, 1]) {
    const g = [0, 0, 0];
    for (const s of batch) {
      const e = sigmoid(params[j][0] * s.x[0] + params[j][1] * s.x[1] + params[j][2]) - s.y[j];
      g[0] += e * s.x[0];
      g[1] += e * s.x[1];
      g[2] += e;
    }
    for (let i = 0; i < 3; i++) params[j][i] -= (0.5 * weights[j] * g[i]) / batch.length;
  }
  return { trainLoss, valLoss: [0, 1].map((j) => lossOf(vbatch, j)) };
};

const strategy = createStrategy('proportional', { k: 5 });
if (strategy._tag === 'Left') throw new Error(strategy.left.message);
const iterations = 60;
const records = await lastValueFrom(
  zip(range(0, iterations).pipe(map((t) => batchOf(train, t))), range(0, iterations).pipe(map((t) => batchOf(val, t)))).pipe(
    adaptiveTraining(step, strategy.right, 2),
    toArray(),
  ),
);
const updates = records.filter((r) => r.decision !== undefined);
const last = records.at(-1);
console.log(`custom pipeline: ${records.length} iterations, ${updates.length} weight updates by "proportional"`);
console.log(`final val losses ${last.valLoss.map((l) => l.toFixed(3)).join(', ')}; weights ${last.weights.map((w) => w.toFixed(3)).join(', ')}`);
if (records.length !== iterations || updates.length !== iterations / 5 - 1) throw new Error('unexpected number of records or updates');
if (!(last.valLoss[0] < records[0].valLoss[0])) throw new Error('the validation loss did not fall');
