/**
 * Does the live dashboard slow training? Alternates real `awmtl train` runs in
 * three modes, and prints the step times of each:
 * - plain: no dashboard;
 * - events: `--dashboard` with one client reading `/events` (the server's own cost);
 * - browser: `--dashboard` with a headless Chromium page open on it, drawing the
 *   charts (on the same machine, so the browser's drawing competes for the CPU).
 *
 *   npx tsx bench/dashboard.ts --data DIR [--rounds 2] [--iterations 150] [--batch 16] [--size 64]
 *
 * DIR is a CelebA folder (e.g. ../shared/data/celeba-6k). Per run: the median
 * and mean step time from log.jsonl (first 10 iterations left out as warm-up),
 * and the training loop's wall time per iteration (the run's own
 * "N iterations in S s" line). Runs alternate, so a change of machine load
 * hits both sides alike.
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const data = arg('data', '');
if (data === '') {
  process.stderr.write('usage: npx tsx bench/dashboard.ts --data DIR [--rounds 2] [--iterations 150] [--batch 16] [--size 64]\n');
  process.exit(2);
}
const rounds = Number(arg('rounds', '2'));
const iterations = arg('iterations', '150');
const bin = fileURLToPath(new URL('../bin/awmtl.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-bench-dashboard-'));

const browser = await chromium.launch({
  executablePath: process.env.AWMTL_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

interface Figures {
  readonly median: number;
  readonly mean: number;
  readonly wallPerIteration: number;
}

type Mode = 'plain' | 'events' | 'browser';
const MODES: readonly Mode[] = ['plain', 'events', 'browser'];

const trainOnce = async (out: string, mode: Mode): Promise<Figures> => {
  const dashboard = mode !== 'plain';
  const args = [
    bin, 'train', '--pipeline', 'celeba', '--data', data, '--only-present-images', '--out', out, '--iterations', iterations,
    '--batch-size', arg('batch', '16'), '--size', arg('size', '64'), '--eval-every', '0', '--checkpoint-every', '0', '--seed', '1',
    '--backend', 'wasm', ...(dashboard ? ['--dashboard', '0'] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let opened = false;
  const page = mode === 'browser' ? await browser.newPage() : undefined;
  let events = 0;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
    if (m !== null && !opened) {
      opened = true;
      if (page !== undefined) void page.goto(m[1]).catch(() => undefined);
      else get(`${m[1]}events`, (res) => res.on('data', (d: Buffer) => (events += d.toString('utf8').split('data: ').length - 1))).on('error', () => undefined);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  await page?.close();
  if (code !== 0) throw new Error(`train exited ${code}:\n${output}`);
  if (dashboard && !opened) throw new Error('the dashboard URL was not printed');
  if (mode === 'events' && events < Number(iterations)) throw new Error(`only ${events} events read`);
  const seconds = readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { seconds: number }).seconds)
    .slice(10)
    .sort((a, b) => a - b);
  const loop = /(\d+) iterations in ([\d.]+) s/.exec(output);
  return {
    median: seconds[Math.floor(seconds.length / 2)],
    mean: seconds.reduce((a, b) => a + b, 0) / seconds.length,
    wallPerIteration: loop === null ? NaN : Number(loop[2]) / Number(loop[1]),
  };
};

const results: { mode: Mode; figures: Figures }[] = [];
const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;
try {
  for (let r = 0; r < rounds; r++) {
    // Rotate the order, so that no mode always runs first.
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(k + r) % MODES.length];
      const figures = await trainOnce(join(tmp, `run-${r}-${mode}`), mode);
      results.push({ mode, figures });
      process.stdout.write(
        `round ${r + 1} ${mode.padEnd(7)}: step median ${ms(figures.median)}, mean ${ms(figures.mean)}; run wall ${ms(figures.wallPerIteration)}/iteration (incl. final evaluation)\n`,
      );
    }
  }
} finally {
  await browser.close();
}
const summary = (mode: Mode): string => {
  const rs = results.filter((x) => x.mode === mode).map((x) => x.figures.median);
  return ms(rs.reduce((a, b) => a + b, 0) / rs.length);
};
process.stdout.write(`median step time, mean over rounds: ${MODES.map((m) => `${m} ${summary(m)}`).join(', ')}\n`);
