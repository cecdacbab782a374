import test from 'ava';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { privateWorkerFile, threadedWorkerScript } from '../../src/backend/wasm/startThreadedWasm.js';

// The threaded wasm build's pthread worker script runs as code inside the training process, so
// it must live where only this user can write, and be what awmtl wrote when it is used.

const root = mkdtempSync(join(tmpdir(), 'awmtl-worker-file-test-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

test.serial('the worker script goes to a fresh folder of mode 0700, as a file of mode 0600 with the bytes given', (t) => {
  const script = threadedWorkerScript();
  t.true(script.includes('WasmBackendModuleThreadedSimd = require('));
  const before = new Set(readdirSync(root));
  const file = privateWorkerFile(script, root);
  const dir = dirname(file);
  t.is(dirname(dir), root);
  t.false(before.has(basename(dir)), 'a new folder, not one that was there');
  t.regex(basename(dir), /^awmtl-wasm-.{6}$/);
  t.is(lstatSync(dir).mode & 0o777, 0o700);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(readFileSync(file, 'utf8'), script);
  t.is(privateWorkerFile(script, root), file, 'one file per process');
});

test.serial('a worker file changed after it was written is refused, naming it', (t) => {
  const script = threadedWorkerScript();
  const file = privateWorkerFile(script, root);
  writeFileSync(file, `require('node:fs').writeFileSync('/tmp/pwned', '1');\n${script}`);
  const error = t.throws(() => privateWorkerFile(script, root));
  t.true(error?.message.includes(file), error?.message);
  t.regex(error?.message ?? '', /changed after awmtl wrote it; refusing/);
});

test.serial('a worker file that is gone is written again in a new private folder', (t) => {
  const script = threadedWorkerScript();
  const first = privateWorkerFile(`${script}\n// another`, root);
  rmSync(first);
  const again = privateWorkerFile(`${script}\n// another`, root);
  t.not(dirname(again), dirname(first));
  t.true(existsSync(again));
  t.is(readFileSync(again, 'utf8'), `${script}\n// another`);
  t.is(lstatSync(dirname(again)).mode & 0o777, 0o700);
});
