// (c) Training on a user-defined dataset object (the AttributeDataset
// interface of awmtl/data), then predicting with the trained model.
//
// The images are 32x32 BMP files written here: a coloured square on a grey
// background. Tasks: "red" (the square is red rather than blue) and "big"
// (it covers more than a quarter of the image).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictImages, runTraining, selectBackend, trainConfig } from 'awmtl';
import { binaryTask } from 'awmtl/data';

const dir = mkdtempSync(join(tmpdir(), 'awmtl-example-'));
const SIZE = 32;

/** A 24-bit BMP (bottom-up BGR rows, each padded to 4 bytes). */
const bmp = (pixel) => {
  const row = Math.ceil((SIZE * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + row * SIZE);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(SIZE, 18);
  buf.writeInt32LE(SIZE, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(row * SIZE, 34);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const [r, g, b] = pixel(x, SIZE - 1 - y);
      const o = 54 + y * row + x * 3;
      buf[o] = b;
      buf[o + 1] = g;
      buf[o + 2] = r;
    }
  }
  return buf;
};

let seed = 11;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const samples = Array.from({ length: 120 }, (_, i) => {
  const red = rand() < 0.5;
  const side = 8 + Math.floor(rand() * 20);
  const x0 = Math.floor(rand() * (SIZE - side));
  const y0 = Math.floor(rand() * (SIZE - side));
  const path = join(dir, `img${i}.bmp`);
  writeFileSync(path, bmp((x, y) => (x >= x0 && x < x0 + side && y >= y0 && y < y0 + side ? (red ? [220, 30, 30] : [30, 30, 220]) : [128, 128, 128])));
  return { path, labels: [red ? 1 : 0, side * side > (SIZE * SIZE) / 4 ? 1 : 0] };
});

/** A split over some of the samples: the whole SplitView contract is these four members. */
const split = (rows) => ({
  size: rows.length,
  imagePath: (i) => rows[i].path,
  id: (i) => `img${samples.indexOf(rows[i])}`,
  labelsInto: (i, out, offset) => out.set(rows[i].labels, offset),
});

const dataset = {
  name: 'squares',
  tasks: [binaryTask('red'), binaryTask('big')],
  splits: { train: split(samples.slice(0, 80)), val: split(samples.slice(80, 100)), test: split(samples.slice(100)) },
  imageDefaults: { height: SIZE, width: SIZE },
  warnings: [],
  facts: {},
};

await selectBackend({ backend: 'auto', log: () => undefined });
const out = join(dir, 'run');
const config = trainConfig({
  out,
  image: { height: SIZE, width: SIZE },
  batchSize: 16,
  iterations: 120,
  strategy: { name: 'vlt', params: { k: 10 } },
  optimizer: { name: 'adam', learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
});
const result = await runTraining(dataset, config, { input: { cache: false, workers: 0 } });
if (result._tag === 'Left') throw new Error(result.left.message);
const test = result.right.evaluations.test;
console.log(`trained ${result.right.iterations} iterations: test mean accuracy ${(test.metrics.meanAccuracy * 100).toFixed(1)}% on ${test.images} images`);

const predicted = await predictImages(out, samples.slice(100, 103).map((s) => s.path));
if (predicted._tag === 'Left') throw new Error(predicted.left.message);
for (const p of predicted.right.predictions) {
  console.log(`${p.image}: ${p.tasks.map((t) => `${t.task} ${t.probability.toFixed(3)}`).join(', ')}`);
}
if (predicted.right.predictions.length !== 3) throw new Error('expected 3 predictions');
if (!(test.metrics.perTask[0].accuracy > 0.8)) throw new Error(`"red" should be learnt, accuracy ${test.metrics.perTask[0].accuracy}`);
