/**
 * The package as a user gets it: `npm pack`, installed into a fresh project,
 * run under plain Node (no TypeScript loader): the entry points import, the
 * bin prints its help, and every example in examples/ runs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { repoRoot } from '../cli/run.js';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-pack-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));
const project = join(tmp, 'project');
const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.mjs'));

let packed: Promise<{ files: string[] }> | undefined;
/** Packs once (npm runs the build through `prepare`) and installs the tarball into a fresh project. */
const installed = (): Promise<{ files: string[] }> => {
  packed ??= (async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: repoRoot, maxBuffer: 64 << 20 });
    const info = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const tarball = join(tmp, info[0].filename);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, maxBuffer: 64 << 20 });
    return { files: info[0].files.map((f) => f.path) };
  })();
  return packed;
};

test.serial('the tarball holds the compiled package with types, README and LICENSE, and no tests, CI or generated fixtures', async (t) => {
  const { files } = await installed();
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/operators/index.d.ts', 'dist/src/testing/index.js', 'README.md', 'LICENSE', 'package.json']) {
    t.true(files.includes(f), f);
  }
  t.false(files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources');
  t.false(files.some((f) => /^(test|\.ci|bench|fixtures\/generated)\//.test(f) || f.startsWith('dist/test/')), 'no tests, CI, benchmarks or generated fixtures');
  t.false(existsSync(join(project, 'node_modules', 'tsx')), 'tsx is a development dependency only');
  t.log(`${files.length} files in the tarball`);
});

test.serial('every entry point imports under plain Node, and the installed bin prints its help', async (t) => {
  await installed();
  const body = `
    const main = await import('awmtl');
    const ops = await import('awmtl/operators');
    const w = await import('awmtl/weighting');
    const testing = await import('awmtl/testing');
    const data = await import('awmtl/data');
    const pipes = await import('awmtl/pipelines');
    console.log(JSON.stringify({
      main: typeof main.runTraining, ops: typeof ops.adaptiveTraining, w: typeof w.vltWeights,
      testing: typeof testing.expectedMarble, data: typeof data.binaryTask, pipes: pipes.pipelineNames(),
    }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', body], { cwd: project });
  t.deepEqual(JSON.parse(stdout), { main: 'function', ops: 'function', w: 'function', testing: 'function', data: 'function', pipes: ['celeba', 'market1501', 'duke', 'folder'] });
  const bin = join(project, 'node_modules', '.bin', 'awmtl');
  const started = performance.now();
  const help = await run(bin, ['--help'], { cwd: project });
  const helpMs = performance.now() - started;
  t.regex(help.stdout, /^usage: awmtl <command>/);
  const t0 = performance.now();
  await run(process.execPath, ['-e', '0']);
  const bareMs = performance.now() - t0;
  t.log(`awmtl --help ${helpMs.toFixed(0)} ms, node -e 0 ${bareMs.toFixed(0)} ms (npm run bench -- startup measures it over repeated runs)`);
  const replayHelp = await run(bin, ['replay', '--help'], { cwd: project });
  t.regex(replayHelp.stdout, /usage: awmtl replay/);
});

for (const example of examples) {
  test.serial(`examples/${example} runs against the installed tarball`, async (t) => {
    await installed();
    copyFileSync(join(repoRoot, 'examples', example), join(project, example));
    const { stdout } = await run(process.execPath, [example], { cwd: project, timeout: 300_000, maxBuffer: 16 << 20 });
    t.log(stdout.trim());
    t.not(stdout.trim(), '');
  });
}
