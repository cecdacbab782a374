import { spawn } from 'node:child_process';
import test from 'ava';
import { repoRoot } from '../cli/run.js';

/** Runs a module body in a fresh Node with the tsx loader; its exit code and stderr. */
const run = (body: string): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { cwd: repoRoot });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });

test("after the wasm backend starts, an uncaught error is Node's own (no Emscripten rethrow: exit 7 and its minified source)", async (t) => {
  const r = await run(`
    const { selectBackend } = await import('./src/backend/select.ts');
    await selectBackend({ backend: 'wasm', log: () => undefined });
    console.error('listeners', process.listeners('uncaughtException').length, process.listeners('unhandledRejection').length);
    setTimeout(() => { throw new Error('boom after the backend'); }, 10);
  `);
  t.regex(r.stderr, /listeners 0 0/);
  t.regex(r.stderr, /boom after the backend/);
  t.is(r.code, 1, r.stderr.slice(0, 2000));
  t.true(r.stderr.length < 4000, `stderr is ${r.stderr.length} characters`);
});
