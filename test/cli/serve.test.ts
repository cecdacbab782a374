/**
 * `awmtl serve` without a browser: the run feed over Server-Sent Events, its
 * reading of appended and rewritten logs, the routes' confinement to their
 * folders, the option checks; and the pure event decoding.
 */
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { dashboardFromValues, dashboardOptions } from '../../cli/options/dashboardOptions.js';
import { parseOptions, text, usageError } from '../../cli/options/optionTable.js';
import { startServer } from '../../cli/serve/server.js';
import { evalLineEvents, logLineEvents, progressOf } from '../../src/log/runEvents.js';
import { buildModel, saveModel } from '../../src/model/index.js';
import { binaryTask } from '../../src/tasks.js';
import { runInProcess } from './run.js';

const tmp = mkdtempSync(join(tmpdir(), 'awmtl-serve-'));

const line = (iteration: number, decision?: object): string =>
  `${JSON.stringify({ iteration, trainLoss: [0.5, 0.6], valLoss: [0.7, 0.8], weights: [1, 1], seconds: 0.25, ...(decision === undefined ? {} : { decision }) })}\n`;

test('log lines decode to iteration and decision events; torn or foreign lines to none', (t) => {
  t.deepEqual(logLineEvents(line(3)), [{ type: 'iteration', iteration: 3, trainLoss: [0.5, 0.6], valLoss: [0.7, 0.8], weights: [1, 1], seconds: 0.25 }]);
  t.deepEqual(logLineEvents(line(4, { weights: [0.5, 1.5] })).slice(1), [{ type: 'decision', iteration: 4, updated: true, weights: [0.5, 1.5] }]);
  t.deepEqual(logLineEvents(line(5, { skipped: 'losses not finite' })).slice(1), [{ type: 'decision', iteration: 5, updated: false, reason: 'losses not finite' }]);
  t.deepEqual(logLineEvents('{"iteration": 6, "trainLoss": [0.5'), []);
  t.deepEqual(logLineEvents('[0.1, 0.2]'), []);
  const [e] = evalLineEvents('{"iteration":50,"split":"val","images":64,"meanAccuracy":0.8,"meanBalancedAccuracy":0.6,"meanLoss":0.4,"loss":[0.3,0.5]}');
  t.like(e, { type: 'eval', iteration: 50, images: 64, meanAccuracy: 0.8, loss: [0.3, 0.5] });
});

test('progress: it/s from the recent step times, ETA from the budget left', (t) => {
  t.deepEqual(progressOf([0.5, 0.5, 0.5, 0.5], 4, 10), { rate: 2, eta: 3 });
  t.deepEqual(progressOf([10, 0.25, 0.25], 3, undefined, 2), { rate: 4, eta: undefined });
  t.deepEqual(progressOf([], 0, 10), { rate: undefined, eta: undefined });
});

test('--dashboard takes an optional port; --host only with it', (t) => {
  const spec = { name: 'train', synopsis: [], options: { ...dashboardOptions, data: text({ help: '' }) } };
  const parse = (argv: string[]) => {
    const parsed = parseOptions(spec, argv);
    return E.isLeft(parsed) ? parsed : parsed.right === 'help' ? E.left(usageError('help')) : dashboardFromValues(parsed.right.values);
  };
  t.deepEqual(parse(['--dashboard', '--data', 'x']), E.right({ port: 8600, host: '127.0.0.1' }));
  t.deepEqual(parse(['--data', 'x', '--dashboard']), E.right({ port: 8600, host: '127.0.0.1' }));
  t.deepEqual(parse(['--dashboard', '9001', '--host', '0.0.0.0']), E.right({ port: 9001, host: '0.0.0.0' }));
  t.deepEqual(parse(['--data', 'x']), E.right(undefined));
  t.true(E.isLeft(parse(['--dashboard', 'abc'])));
  t.true(E.isLeft(parse(['--host', '0.0.0.0'])));
});

/** Collects the JSON events of an SSE stream until `until` holds (bounded). */
const collect = (url: string, until: (events: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> =>
  new Promise((resolve, reject) => {
    const events: Record<string, unknown>[] = [];
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`only ${JSON.stringify(events)}`));
    }, 20_000);
    const req = get(url, (res) => {
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const b of blocks) for (const l of b.split('\n')) if (l.startsWith('data: ')) events.push(JSON.parse(l.slice(6)));
        if (until(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', () => undefined);
  });

const status = (url: string, method = 'GET'): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

test('the run feed: the log so far, then appended lines, a rewritten log as a reset, metrics.json as finished', async (t) => {
  const run = join(tmp, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'config.json'), JSON.stringify({ iterations: 5, pipeline: 'celeba', strategy: { name: 'vlt' } }));
  writeFileSync(join(run, 'log.jsonl'), line(1) + line(2));
  const server = await startServer({ host: '127.0.0.1', port: 0, run, tasks: ['a', 'b'], pollMs: 20 });
  try {
    const iterations = (es: Record<string, unknown>[]) => es.filter((e) => e.type === 'iteration').map((e) => e.iteration);
    const pending = collect(`${server.url}events`, (es) => es.some((e) => e.type === 'finished'));
    await new Promise((r) => setTimeout(r, 300));
    // Appended in two writes, the first ending mid-line: the event waits for the line's end.
    appendFileSync(join(run, 'log.jsonl'), line(3, { skipped: 'warming up' }).slice(0, 20));
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(join(run, 'log.jsonl'), line(3, { skipped: 'warming up' }).slice(20));
    writeFileSync(join(run, 'evals.jsonl'), '{"iteration":3,"split":"val","images":8,"meanAccuracy":0.5,"meanBalancedAccuracy":0.5,"meanLoss":0.7,"loss":[0.6,0.8]}\n');
    await new Promise((r) => setTimeout(r, 300));
    // A resume rewrites the log shorter: the dashboard starts over.
    writeFileSync(join(run, 'log.jsonl'), line(1));
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(join(run, 'metrics.json'), '{}');
    const events = await pending;
    t.deepEqual(events[0], { type: 'run', dir: run, tasks: ['a', 'b'], iterations: 5, strategy: 'vlt', pipeline: 'celeba' });
    t.deepEqual(iterations(events), [1, 2, 3, 1]);
    t.like(events.find((e) => e.type === 'decision'), { iteration: 3, updated: false, reason: 'warming up' });
    t.like(events.find((e) => e.type === 'eval'), { iteration: 3, images: 8 });
    t.true(events.findIndex((e) => e.type === 'reset') > events.findIndex((e) => e.type === 'eval'));
    t.is(await status(`${server.url}app.js`), 200);
    t.is(await status(`${server.url}model/model.json`), 404);
  } finally {
    await server.close();
  }
});

test('the model routes serve the model folder, the wasm binaries and --images, and nothing outside them', async (t) => {
  const tasks = [binaryTask('smiling')];
  const built = await buildModel({ backbone: 'small-cnn', inputShape: [8, 8, 3], tasks, seed: 1 });
  if (E.isLeft(built)) return t.fail();
  const model = join(tmp, 'm', 'model');
  t.true(E.isRight(await saveModel(built.right, model, { backbone: 'small-cnn', inputShape: [8, 8, 3], tasks })));
  built.right.dispose();
  const images = join(tmp, 'images');
  mkdirSync(join(images, 'sub'), { recursive: true });
  writeFileSync(join(images, 'sub', 'a.jpg'), 'not really');
  writeFileSync(join(tmp, 'secret.txt'), 'no');
  const server = await startServer({ host: '127.0.0.1', port: 0, model, images });
  try {
    for (const path of ['', '?image=/images/sub/a.jpg', 'app.js', 'model/model.json', 'model/awmtl.json', 'model/weights.bin', 'images/sub/a.jpg', 'wasm/tfjs-backend-wasm.wasm']) {
      t.is(await status(`${server.url}${path}`), 200, path);
    }
    for (const path of ['model/../../secret.txt', 'model/%2e%2e%2fsecret.txt', 'images/../secret.txt', 'images/%2e%2e/secret.txt', 'images/sub', 'wasm/x.wasm', 'events', 'nothing']) {
      t.is(await status(`${server.url}${path}`), 404, path);
    }
    t.is(await status(server.url, 'PUT'), 405);
  } finally {
    await server.close();
  }
});

test('serve: usage errors exit 2 before anything loads, a folder that is no model exits 1', async (t) => {
  const both = await runInProcess(['serve', '--model', tmp, '--run', tmp]);
  t.is(both.code, 2);
  t.regex(both.stderr, /^awmtl: serve: give --model DIR or --run DIR/);
  t.is((await runInProcess(['serve', '--run', tmp, '--port', '70000'])).code, 2);
  t.is((await runInProcess(['serve', '--run', tmp, '--images', tmp])).code, 2);
  const none = await runInProcess(['serve', '--model', tmp]);
  t.is(none.code, 1);
  t.regex(none.stderr, /not an awmtl model/);
});
