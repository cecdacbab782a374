/**
 * Does the live dashboard slow training? Alternates real `awmtl train` runs in
 * three modes, and prints the step times of each:
 * - plain: no dashboard;
 * - events: `--dashboard` with one client reading `/events` (the server's own cost);
 * - browser: `--dashboard` with a headless Chromium page open on it, drawing the
 *   charts (on the same machine, so the browser's drawing competes for the CPU).
 *
 *   awmtl bench dashboard --data DIR [--rounds 2] [--iterations 150] [--batch 16] [--size 64]
 *
 * DIR is a CelebA folder (e.g. ../shared/data/celeba-6k). Per run: the median
 * and mean step time from log.jsonl (first 10 iterations left out as warm-up),
 * and the training loop's wall time per iteration (the run's own
 * "N iterations in S s" line). Runs alternate, so a change of machine load
 * hits both sides alike.
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { type CommandSpec, integer, type OptionTable, type Parsed, text } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { awmtlBin } from './awmtlBin.js';

export const dashboardSpec = () =>
  ({
    name: 'bench dashboard',
    synopsis: ['bench dashboard --data DIR [--rounds 2] [--iterations 150] [--batch 16] [--size 64]'],
    description:
      'Does the live dashboard slow training? Alternates awmtl train runs (wasm) without a dashboard, with one\n' +
      'client reading /events, and with a headless Chromium page drawing it; prints the step times of each.\n' +
      'Needs playwright-core (a development dependency) and Chromium ($AWMTL_CHROMIUM, default /usr/bin/chromium).',
    options: {
      data: text({ metavar: 'DIR', help: 'a CelebA folder (e.g. ../shared/data/celeba-6k)' }),
      rounds: integer({ default: 2, help: 'rounds of the three modes' }),
      iterations: integer({ default: 150, help: 'iterations per run' }),
      batch: integer({ default: 16, help: 'batch size' }),
      size: integer({ default: 64, help: 'input size in pixels' }),
    },
  }) satisfies CommandSpec<OptionTable>;

export const benchDashboardCommand = async (argv: readonly string[]): Promise<number> => runCommand(dashboardSpec(), argv, dashboard);

interface Figures {
  readonly median: number;
  readonly mean: number;
  readonly wallPerIteration: number;
}

type Mode = 'plain' | 'events' | 'browser';
const MODES: readonly Mode[] = ['plain', 'events', 'browser'];

const dashboard = async ({ values: v }: Parsed<ReturnType<typeof dashboardSpec>['options']>): Promise<number> => {
  if (v.data === undefined) return reportFailure('bench dashboard', '--data DIR is required', EXIT_USAGE);
  const data = v.data;
  const iterations = String(v.iterations);
  const bin = awmtlBin();
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return reportFailure('bench dashboard', 'playwright-core is not installed (a development dependency: npm install in the repository)', EXIT_FAILURE);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'awmtl-bench-dashboard-'));
  const browser = await chromium.launch({
    executablePath: process.env.AWMTL_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });

  const trainOnce = async (out: string, mode: Mode): Promise<Figures> => {
    const dashboard = mode !== 'plain';
    const args = [
      bin, 'train', '--pipeline', 'celeba', '--data', data, '--only-present-images', '--out', out, '--iterations', iterations,
      '--batch-size', String(v.batch), '--size', String(v.size), '--eval-every', '0', '--checkpoint-every', '0', '--seed', '1',
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
    for (let r = 0; r < v.rounds; r++) {
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
  rmSync(tmp, { recursive: true, force: true });
  return 0;
};
