import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { generateMarketFixture } from '../../fixtures/market/fixture.js';
import { at, getField, getVariable, readMatFileSync } from '../../src/data/mat.js';
import { allAttributes } from '../../src/data/pedestrian.js';
import { MARKET_SCHEMA } from '../../src/data/market1501.js';
import { datasetCommand } from '../../cli/commands/dataset.js';
import type { CliResult } from './run.js';
import { testWithData } from '../sharedData.js';

const MARKET = '../shared/data/market1501-attribute/market_attribute.mat';
const DUKE = '../shared/data/duke-attribute/duke_attribute.mat';
const CELEBA = '../shared/data/celeba';

interface Info {
  splits: Record<string, { identities?: number; rows?: number; images?: number; folders?: Record<string, { images: number; junk: number }> }>;
  attributes: { name: string; kind: string; classes?: string[]; values?: string[]; positiveRate: Record<string, number | Record<string, number> | null> }[];
  tasks?: { name: string; kind: string; classes?: string[] }[];
  problems: Record<string, { count: number; reports: { split?: string; subject: string; count: number; message: string }[] }>;
}

/** `awmtl dataset ...` in this process (test/cli/folderMarket.test.ts runs it through the real executable). */
const dataset = async (args: readonly string[]): Promise<CliResult> => {
  let stdout = '';
  let stderr = '';
  const code = await datasetCommand(args, { out: (x) => (stdout += x), err: (x) => (stderr += x) });
  return { code, stdout, stderr };
};

const info = async (t: { is: (a: unknown, b: unknown, m?: string) => void }, args: string[]): Promise<Info> => {
  const r = await dataset(['info', ...args, '--json']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim().split('\n').length, 1, 'one JSON object');
  return JSON.parse(r.stdout) as Info;
};

const root = mkdtempSync(join(tmpdir(), 'awmtl-dataset-cli-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

testWithData([MARKET], 'dataset info on the real market_attribute.mat: 751/750 identities, 27 attributes, the quirks counted', async (t) => {
  const d = await info(t, ['--pipeline', 'market1501', '--annotations', MARKET]);
  t.deepEqual(d.splits, { train: { identities: 751 }, test: { identities: 750 } });
  t.is(d.attributes.length, 27);
  t.deepEqual(d.attributes.map((a) => a.name).sort(), allAttributes(MARKET_SCHEMA).map((a) => a.name).sort());
  const byName = new Map(d.attributes.map((a) => [a.name, a]));
  t.like(byName.get('age'), { kind: 'multiclass', classes: ['young', 'teenager', 'adult', 'old'] });
  t.like(byName.get('gender'), { kind: 'binary', values: ['male', 'female'] });
  // Test downpurple has no positives: rate 0, and the problem is listed.
  t.is(byName.get('downpurple')?.positiveRate.test, 0);
  t.true((byName.get('downpurple')?.positiveRate.train as number) > 0);
  t.is(d.problems['no-positives']?.count, 1);
  t.like(d.problems['no-positives']?.reports[0], { split: 'test', subject: 'downpurple' });
  // 78 train / 69 test identities without an upper colour (REFERENCE §3).
  const none = d.problems['colour-none']?.reports ?? [];
  t.is(none.find((p) => p.split === 'train' && p.subject === 'upcolor')?.count, 78);
  t.is(none.find((p) => p.split === 'test' && p.subject === 'upcolor')?.count, 69);
  t.is(d.problems['colour-none']?.count, none.reduce((n, p) => n + p.count, 0));
  // Positive rates are shares of identities: a class distribution sums to 1.
  const ages = Object.values(byName.get('age')?.positiveRate.test as Record<string, number>);
  t.true(Math.abs(ages.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  // The training tasks under the default colour groups.
  t.deepEqual(d.tasks?.map((x) => x.name), ['age', 'backpack', 'bag', 'handbag', 'clothes', 'down', 'up', 'hair', 'hat', 'gender', 'upcolor', 'downcolor']);
  const binary = await info(t, ['--pipeline', 'market1501', '--annotations', MARKET, '--colours', 'binary']);
  t.is(binary.tasks?.length, 27);
});

testWithData([DUKE], 'dataset info on the real duke_attribute.mat: 702/1110 identities, 23 attributes, several lower colours counted', async (t) => {
  const d = await info(t, ['--pipeline', 'duke', '--annotations', DUKE]);
  t.deepEqual(d.splits, { train: { identities: 702 }, test: { identities: 1110 } });
  t.is(d.attributes.length, 23);
  t.true(d.attributes.every((a) => a.kind === 'binary'));
  const several = d.problems['colour-several']?.reports.find((p) => p.split === 'test' && p.subject === 'downcolor');
  t.true((several?.count ?? 0) > 0);
  t.is(d.tasks?.length, 10);
});

testWithData([MARKET], 'dataset show on the real Market file: test 0001 is female, long hair, dress, white upper and lower, as coded in the file', async (t) => {
  const r = await dataset(['show', '--pipeline', 'market1501', '--annotations', MARKET, '--split', 'test', '--id', '0001', '--json']);
  t.is(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout) as Record<string, string>;
  t.like(shown, { gender: 'female', hair: 'long', clothes: 'dress', upwhite: 'yes', downwhite: 'yes', upcolor: 'white', downcolor: 'white' });
  // Each value is the file's own code, read here through the MAT API.
  const mat = readMatFileSync(MARKET);
  if (E.isLeft(mat)) return t.fail(mat.left.message);
  const testStruct = E.chain((v: Parameters<typeof getField>[2]) => getField(MARKET, 'market_attribute', v, 'test'))(getVariable(mat.right, 'market_attribute'));
  if (E.isLeft(testStruct)) return t.fail(testStruct.left.message);
  const ids = getField(MARKET, 'test', testStruct.right, 'image_index');
  if (E.isLeft(ids)) return t.fail(ids.left.message);
  for (const def of allAttributes(MARKET_SCHEMA)) {
    const field = getField(MARKET, 'test', testStruct.right, def.name);
    if (E.isLeft(field)) return t.fail(field.left.message);
    t.is(shown[def.name], def.values[at(field.right, 0, 0) - 1], def.name);
  }
  // Without --split the identity is found in its split; a numeric id is padded.
  const short = await dataset(['show', '--pipeline', 'market1501', '--annotations', MARKET, '--id', '1']);
  t.is(short.code, 0, short.stderr);
  t.regex(short.stdout, /^test identity 0001/);
  t.regex(short.stdout, /^ {2}gender\s+female$/m);
});

testWithData([MARKET], 'dataset errors: unknown identity and bad files exit 1 naming the file; usage exits 2', async (t) => {
  const corrupt = join(root, 'truncated.mat');
  writeFileSync(corrupt, readFileSync(MARKET).subarray(0, 3000));
  const unknown = await dataset(['show', '--pipeline', 'market1501', '--annotations', MARKET, '--split', 'test', '--id', '9999', '--json']);
  const [wrongSplit, truncated, missing, noPipeline, badColours, showCeleba] = await Promise.all([
    dataset(['show', '--pipeline', 'market1501', '--annotations', MARKET, '--split', 'train', '--id', '0001']),
    dataset(['info', '--pipeline', 'market1501', '--annotations', corrupt]),
    dataset(['info', '--pipeline', 'duke', '--data', root]),
    dataset(['info', '--annotations', MARKET]),
    dataset(['info', '--pipeline', 'market1501', '--annotations', MARKET, '--colours', 'rgb']),
    dataset(['show', '--pipeline', 'celeba', '--annotations', MARKET, '--id', '1']),
  ]);
  t.is(unknown.code, 1);
  t.is(unknown.stdout, '');
  t.true(unknown.stderr.includes(`${MARKET}: no test identity 9999`), unknown.stderr);
  t.is(wrongSplit.code, 1);
  t.regex(wrongSplit.stderr, /no train identity 0001 \(it is a test identity\)/);
  t.is(truncated.code, 1);
  t.true(truncated.stderr.includes(`${corrupt}: truncated`) && /at byte \d+/.test(truncated.stderr), truncated.stderr);
  t.is(missing.code, 1);
  t.true(missing.stderr.includes(join(root, 'duke_attribute.mat')) && missing.stderr.includes('--annotations'), missing.stderr);
  t.is(noPipeline.code, 2);
  t.regex(noPipeline.stderr, /--pipeline is required/);
  t.is(badColours.code, 2);
  t.is(showCeleba.code, 2);
  t.regex(showCeleba.stderr, /unknown pipeline "celeba" for dataset show/);
});

test('dataset info --data on a fixture folder: images per split and folder, junk counted as a problem; the table without --json', async (t) => {
  const dir = join(root, 'market');
  await generateMarketFixture({ dir, seed: 4, trainIds: 6, testIds: 5, imagesPerId: 2, junkImages: 3 });
  const d = await info(t, ['--pipeline', 'market1501', '--data', dir]);
  t.like(d.splits.train, { identities: 6, images: 12 });
  t.like(d.splits.test, { identities: 5, images: 15 });
  t.like(d.splits.test.folders?.bounding_box_test, { images: 10, junk: 3 });
  t.like(d.splits.test.folders?.query, { images: 5, junk: 0 });
  t.is(d.problems['junk-images']?.count, 3);
  const table = await dataset(['info', '--pipeline', 'market1501', '--data', dir]);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^train\s+6\s+12$/m);
  t.regex(table.stdout, /^gender\s+male\/female\s+[\d.]+%\s+[\d.]+%$/m);
  t.regex(table.stdout, /^ {2}junk-images \(3\):$/m);
});

testWithData([join(CELEBA, 'list_attr_celeba.txt')], 'dataset info --pipeline celeba on the real list_attr_celeba.txt: rows, present images, a seeded split, the truncated header', async (t) => {
  const d = await info(t, ['--pipeline', 'celeba', '--data', CELEBA, '--split', '0.8,0.1,0.1']);
  t.deepEqual(Object.keys(d.splits), ['train', 'val', 'test']);
  t.is(Object.values(d.splits).reduce((n, s) => n + (s.rows ?? 0), 0), 20000);
  t.is(Object.values(d.splits).reduce((n, s) => n + (s.images ?? 0), 0), 548);
  t.is(d.attributes.length, 40);
  t.is(d.attributes[20].name, 'Male');
  t.is(d.problems['header-count']?.count, 1);
  t.is(d.problems['missing-images']?.count, 20000 - 548);
  const plain = await info(t, ['--pipeline', 'celeba', '--annotations', join(CELEBA, 'list_attr_celeba.txt')]);
  t.deepEqual(plain.splits, { all: { rows: 20000 } });
});
