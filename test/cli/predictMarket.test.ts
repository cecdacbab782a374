import test from 'ava';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMarketFixture } from '../../fixtures/market/fixture.js';
import { MARKET_SCHEMA } from '../../src/data/market1501.js';
import { runCli } from './run.js';
import { testWithData } from '../sharedData.js';

const IMAGES = '../shared/data/market1501-images';
const root = mkdtempSync(join(tmpdir(), 'awmtl-predict-market-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

testWithData([IMAGES], 'awmtl predict with a Market-1501 model on the real crops: every task, multi-class tasks with their classes', async (t) => {
  const data = join(root, 'market');
  const out = join(root, 'run');
  await generateMarketFixture({ dir: data, seed: 21, trainIds: 8, testIds: 3, imagesPerId: 2, junkImages: 0 });
  const trained = await runCli([
    'train', '--pipeline', 'market1501', '--data', data, '--out', out, '--iterations', '4', '--size', '64x32', '--batch-size', '4',
    '--val-fraction', '0.25', '--k', '2', '--eval-every', '0', '--checkpoint-every', '0',
  ]);
  t.is(trained.code, 0, trained.stderr);
  const top = readdirSync(IMAGES).filter((n) => n.endsWith('.jpg')).map((n) => join(IMAGES, n));
  const dgnet = readdirSync(join(IMAGES, 'dgnet')).filter((n) => n.endsWith('.jpg')).map((n) => join(IMAGES, 'dgnet', n));
  t.is(top.length, 2);
  const [text, json] = await Promise.all([
    runCli(['predict', '--model', out, ...top]),
    runCli(['predict', '--model', out, '--json', ...top, ...dgnet]),
  ]);
  t.is(text.code, 0, text.stderr);
  const blocks = text.stdout.trim().split('\n\n');
  t.is(blocks.length, 2);
  const tasks = ['age', 'backpack', 'bag', 'handbag', 'clothes', 'down', 'up', 'hair', 'hat', 'gender', 'upcolor', 'downcolor'];
  const [up, down] = MARKET_SCHEMA.colourGroups;
  blocks.forEach((block, i) => {
    const lines = block.split('\n');
    t.is(lines[0], top[i]);
    t.deepEqual(lines.slice(1).map((l) => l.trim().split(/\s+/)[0]), tasks);
    for (const line of lines.slice(1)) t.regex(line, /^\s+\w+\s+[01]\.\d{3}\s+\S/);
    // A binary attribute shows its value by name (gender: male or female), not yes/no.
    t.regex(lines.find((l) => l.trim().startsWith('gender ')) ?? '', /\s(male|female)\s+\(P\(female\)/);
    // Multi-class tasks list every class with its probability.
    const classes = (task: string, names: readonly string[]) => {
      const line = lines.find((l) => l.trim().startsWith(`${task} `)) ?? '';
      t.regex(line, new RegExp(`\\(${names.map((c) => `${c} [01]\\.\\d{3}`).join(', ')}\\)$`), line);
    };
    classes('age', ['young', 'teenager', 'adult', 'old']);
    classes('upcolor', up.colours);
    classes('downcolor', down.colours);
  });
  t.is(json.code, 0, json.stderr);
  type TaskJson = { probability: number; class: string; classes?: Record<string, number> };
  const results = JSON.parse(json.stdout) as { image: string; tasks: Record<string, TaskJson> }[];
  t.is(results.length, top.length + dgnet.length);
  for (const r of results) {
    t.deepEqual(Object.keys(r.tasks), tasks);
    for (const task of ['age', 'upcolor', 'downcolor']) {
      const { probability, class: best, classes = {} } = r.tasks[task];
      const probs = Object.values(classes);
      t.true(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4, `${r.image} ${task}`);
      // The task's probability and class are its top class's.
      t.is(probability, Math.max(...probs));
      t.is(classes[best], probability);
    }
    // A binary attribute: the probability of its second value (female), and the value it names at 0.5.
    const gender = r.tasks.gender;
    t.true(gender.probability > 0 && gender.probability < 1 && gender.classes === undefined);
    t.is(gender.class, gender.probability >= 0.5 ? 'female' : 'male');
    t.is(r.tasks.hat.class, r.tasks.hat.probability >= 0.5 ? 'yes' : 'no');
  }
});
