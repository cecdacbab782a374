import test from 'ava';
import { binaryTask } from '../../src/tasks.js';
import { metricOf, pairedBootstrap, pairedDifference, tInterval, verdictOf } from '../../src/report/paired.js';

test('tInterval: mean ± t(0.975, n-1) sd / sqrt(n); none for one value', (t) => {
  // xs = 1, 2, 3: mean 2, sd 1, t(2) = 4.303
  const ci = tInterval([1, 2, 3]);
  t.truthy(ci);
  t.true(Math.abs((ci?.low ?? 0) - (2 - 4.303 / Math.sqrt(3))) < 1e-9);
  t.true(Math.abs((ci?.high ?? 0) - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
  t.is(tInterval([0.5]), null);
});

const tasks = [binaryTask('a'), binaryTask('b')];
const run = (pred: number[][], labels: number[][]) => ({ ids: pred.map((_, i) => `i${i}`), predicted: pred.flat(), labels: labels.flat() });

test('metricOf matches hand counts; the bootstrap of a strategy right where the baseline is wrong lies above 0', (t) => {
  const n = 60;
  const labels = Array.from({ length: n }, (_, i) => [i % 2, i % 3 === 0 ? 1 : 0]);
  const perfect = run(labels, labels);
  // wrong on task a for every 4th image
  const worse = run(labels.map((l, i) => [i % 4 === 0 ? 1 - l[0] : l[0], l[1]]), labels);
  t.is(metricOf('meanAccuracy', tasks, perfect), 1);
  t.is(metricOf('meanAccuracy', tasks, worse), (45 / 60 + 1) / 2);
  const ci = pairedBootstrap('meanAccuracy', tasks, [{ strategy: perfect, baseline: worse }], 500, 1);
  t.true(ci.low > 0 && ci.high < 0.25, JSON.stringify(ci));
  // The same predictions: the interval is exactly 0.
  t.deepEqual(pairedBootstrap('mA', tasks, [{ strategy: worse, baseline: worse }], 200, 2), { low: 0, high: 0 });
  const diff = pairedDifference({
    strategy: 's',
    baseline: 'ew',
    metric: 'meanAccuracy',
    tasks,
    runs: [{ seed: 0, strategy: 1, baseline: metricOf('meanAccuracy', tasks, worse), predictions: { strategy: perfect, baseline: worse } }],
    resamples: 300,
  });
  t.is(diff.seedInterval, null);
  t.is(diff.verdict, 'better');
});

test('verdict: better / worse only when every interval excludes 0 on that side', (t) => {
  t.is(verdictOf([{ low: 0.01, high: 0.03 }, { low: 0.002, high: 0.05 }]), 'better');
  t.is(verdictOf([{ low: -0.03, high: -0.01 }, null]), 'worse');
  t.is(verdictOf([{ low: 0.01, high: 0.03 }, { low: -0.01, high: 0.05 }]), 'not distinguishable');
  t.is(verdictOf([null, null]), 'not distinguishable');
});
