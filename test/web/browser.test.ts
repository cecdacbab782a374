/**
 * The browser pages in a real browser: Debian's Chromium, driven by
 * playwright-core (its own browser download is not used), headless, on
 * 127.0.0.1 only.
 *
 * One training, with --dashboard, feeds both tests: the dashboard test watches
 * it live, then the predict page runs its model on real CelebA faces and is
 * compared with `awmtl predict --json`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { chromium, type Browser } from 'playwright-core';
import { decodeImage } from '../../src/data/image/decode.js';
import { runCli } from '../cli/run.js';

const CHROMIUM = process.env.AWMTL_CHROMIUM ?? '/usr/bin/chromium';
const CELEBA = fileURLToPath(new URL('../../../shared/data/celeba-6k', import.meta.url));
const FACES = join(CELEBA, 'img_align_celeba');
const FACE_NAMES = ['000002.jpg', '000058.jpg', '000086.jpg'];
const bin = fileURLToPath(new URL('../../bin/awmtl.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-browser-'));
const RUN = join(tmp, 'run');

const missing = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (apt-get install chromium)`
  : !existsSync(join(CELEBA, 'list_attr_celeba.txt'))
    ? `${CELEBA} is absent (a clone outside this workplace)`
    : undefined;
const maybe = missing === undefined ? test.serial : test.serial.skip;
const skipNote = missing === undefined ? '' : ` (SKIPPED: ${missing})`;

/** Chromium's flags for tests: headless, no sandbox as root, nothing fetched from outside. */
const CHROMIUM_ARGS = [
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

const launch = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });

/** Starts an awmtl command and resolves with the first http://127.0.0.1 URL it prints (stdout or stderr). */
const startCli = (args: readonly string[]): { child: ChildProcess; url: Promise<string>; exit: Promise<{ code: number | null; output: string }> } => {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  let output = '';
  let found: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve, reject) => {
    found = resolve;
    setTimeout(() => reject(new Error(`no URL printed in 120 s:\n${output}`)), 120_000).unref();
  });
  const read = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(output);
    if (m !== null) found(m[0]);
  };
  child.stdout?.on('data', read);
  child.stderr?.on('data', read);
  const exit = new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })));
  return { child, url, exit };
};

/** The first `count` Server-Sent Events of a URL (JSON data lines), within `timeoutMs`. */
const readEvents = (url: string, until: (events: Record<string, unknown>[]) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>[]> =>
  new Promise((resolve, reject) => {
    const events: Record<string, unknown>[] = [];
    const req = get(url, (res) => {
      if (res.headers['content-type'] !== 'text/event-stream') reject(new Error(`content-type ${res.headers['content-type']}`));
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
        }
        if (until(events)) {
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
    setTimeout(() => {
      req.destroy();
      reject(new Error(`events: ${events.length} in ${timeoutMs} ms, not enough`));
    }, timeoutMs).unref();
  });

const iterations = (events: readonly Record<string, unknown>[]): Record<string, unknown>[] => events.filter((e) => e.type === 'iteration');

let browser: Browser | undefined;
test.before(async () => {
  if (missing === undefined) browser = await launch();
});
test.after.always(async () => {
  await browser?.close();
});

maybe(`a live 'awmtl train --dashboard' streams iteration events on /events and its page draws the charts${skipNote}`, async (t) => {
  if (browser === undefined) return t.fail('no browser');
  const run = startCli([
    'train', '--pipeline', 'celeba', '--data', CELEBA, '--only-present-images', '--out', RUN, '--iterations', '150',
    '--batch-size', '8', '--k', '3', '--eval-every', '50', '--eval-limit', '64', '--checkpoint-every', '0', '--seed', '1',
    '--backend', 'wasm', '--dashboard', '0',
  ]);
  try {
    const url = await run.url;
    const events = await readEvents(`${url}events`, (es) => iterations(es).length >= 3);
    t.is(events[0].type, 'run');
    // A client that comes before config.json is written gets the budget in a second run event, before the iterations.
    const info = events.slice(0, events.findIndex((e) => e.type === 'iteration')).filter((e) => e.type === 'run').pop() ?? {};
    t.is((info.tasks as string[]).length, 40);
    t.is(info.iterations, 150);
    const first = iterations(events);
    t.deepEqual(first.map((e) => e.iteration).slice(0, 3), [1, 2, 3]);
    for (const e of first) {
      for (const key of ['trainLoss', 'valLoss', 'weights']) t.is((e[key] as number[]).length, 40, key);
    }
    const page = await browser.newPage();
    try {
      await page.goto(url, { timeout: 30_000 });
      const seen = async (): Promise<number> => Number(await page.getAttribute('html', 'data-iteration', { timeout: 30_000 }));
      await page.waitForFunction(() => Number(document.documentElement.dataset.iteration) >= 1, undefined, { timeout: 60_000 });
      const before = await seen();
      await page.waitForFunction((n) => Number(document.documentElement.dataset.iteration) > n, before, { timeout: 60_000 });
      t.true((await seen()) > before, 'the iteration count advances while the run trains');
      t.is(await page.getAttribute('html', 'data-status'), 'live');
      // The report's charts: a weight panel per task, the loss curves, the per-task losses.
      t.is(await page.locator('#weights svg').count(), 1);
      t.true((await page.locator('#weights svg path').count()) >= 40);
      t.true((await page.locator('#losses svg path').count()) >= 2);
      t.true((await page.locator('#task-losses svg path').count()) >= 80);
      t.regex((await page.textContent('#rate')) ?? '', /^\d/);
      // With k = 3 the strategy decides from iteration 3 on: updated or skipped, with the reason.
      await page.waitForFunction(() => document.querySelectorAll('#decisions li').length > 0, undefined, { timeout: 60_000 });
      t.regex((await page.textContent('#decisions li')) ?? '', /^iteration \d+: (updated|skipped)/);
      await page.waitForFunction(() => document.documentElement.dataset.status === 'finished', undefined, { timeout: 240_000 });
      t.is(await page.textContent('#iteration'), '150');
      t.regex((await page.textContent('#evaluation')) ?? '', /iteration 100, val split, 64 images: mean accuracy/);
      t.true((await page.locator('#accuracy svg path').count()) >= 2);
    } finally {
      await page.close();
    }
    const exit = await run.exit;
    t.is(exit.code, 0, exit.output);
  } finally {
    run.child.kill();
  }
});

type Predictions = { image: string; tasks: Record<string, { probability: number; class: string }> }[];

/** `awmtl predict --json` of the faces, by file name. */
const predictJson = async (): Promise<Map<string, Record<string, number>>> => {
  const r = await runCli(['predict', '--model', RUN, '--json', '--backend', 'cpu', ...FACE_NAMES.map((n) => join(FACES, n))]);
  if (r.code !== 0) throw new Error(r.stderr);
  const parsed = JSON.parse(r.stdout) as Predictions;
  return new Map(parsed.map((p) => [p.image.split('/').pop() ?? '', Object.fromEntries(Object.entries(p.tasks).map(([k, v]) => [k, v.probability]))]));
};

/** `chromium --headless --dump-dom URL` with a fresh profile; the page as HTML text. */
const dumpDom = (url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const profile = mkdtempSync(join(tmp, 'profile-'));
    execFile(
      CHROMIUM,
      ['--headless', ...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--dump-dom', url],
      { timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => (error !== null ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });

const domProbabilities = (html: string): Record<string, number> =>
  Object.fromEntries([...html.matchAll(/data-task="([^"]+)" data-probability="([^"]+)"/g)].map((m) => [m[1], Number(m[2])]));

maybe(`'awmtl serve --model' in headless Chromium (--dump-dom of /?image=) gives 'awmtl predict --json''s probabilities within 0.02 on real faces, within 1e-4 on the same pixels${skipNote}`, async (t) => {
  if (browser === undefined) return t.fail('no browser');
  t.true(existsSync(join(RUN, 'model', 'awmtl.json')), 'the dashboard test trained the model');
  const server = startCli(['serve', '--model', RUN, '--images', FACES, '--port', '0']);
  try {
    const [url, node] = await Promise.all([server.url, predictJson()]);
    let values = 0;
    let worst = 0;
    for (const name of FACE_NAMES) {
      const html = await dumpDom(`${url}?image=/images/${name}`);
      t.regex(html, /<html[^>]* data-status="done"/, name);
      const web = domProbabilities(html);
      const want = node.get(name) ?? {};
      t.deepEqual(Object.keys(web), Object.keys(want));
      for (const [task, p] of Object.entries(want)) {
        worst = Math.max(worst, Math.abs(web[task] - p));
        values += 1;
      }
    }
    t.log(`--dump-dom vs predict --json: ${values} task values, largest difference ${worst.toExponential(2)}`);
    t.true(values >= 100);
    t.true(worst <= 0.02, `largest difference ${worst}`);

    // The same decoded pixels (jimp's, as predict reads them) through the page: only the backends differ.
    for (const backend of ['', 'wasm']) {
      const page = await browser.newPage();
      try {
        await page.goto(`${url}${backend === '' ? '' : `?backend=${backend}`}`, { timeout: 60_000 });
        await page.waitForFunction(() => document.documentElement.dataset.status === 'ready', undefined, { timeout: 60_000 });
        const used = await page.getAttribute('html', 'data-backend');
        let close = 0;
        for (const name of FACE_NAMES) {
          const decoded = await decodeImage(readFileSync(join(FACES, name)), name);
          if (E.isLeft(decoded)) return t.fail(decoded.left.message);
          const { data, width, height, channels } = decoded.right;
          const result = await page.evaluate(
            ([pixels, w, h, c]) =>
              (window as unknown as { awmtl: { predictPixels(d: number[], w: number, h: number, c: number): Promise<{ tasks: Record<string, { probability: number }> }> } }).awmtl.predictPixels(pixels, w, h, c),
            [Array.from(data), width, height, channels] as [number[], number, number, number],
          );
          for (const [task, p] of Object.entries(node.get(name) ?? {})) close = Math.max(close, Math.abs(result.tasks[task].probability - p));
        }
        t.log(`same pixels, browser backend ${used}: largest difference ${close.toExponential(2)}`);
        t.true(close <= 1e-4, `backend ${used}: ${close}`);
      } finally {
        await page.close();
      }
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exit;
  }
});
