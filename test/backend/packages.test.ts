/**
 * The backend packages stay on one tfjs: the webgpu backend at the tfjs version, the optional
 * native packages declared as optional peers at exactly that version (so that installing one
 * next to awmtl does not bring a second tfjs-core, whose backend awmtl's tfjs would not see),
 * and a single tfjs-core installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../cli/run.js';

interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  allowScripts?: Record<string, boolean>;
}
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
const tfjs = pkg.dependencies?.['@tensorflow/tfjs'] ?? '';

test('the tfjs packages are pinned to one exact version, the native ones as optional peers', (t) => {
  t.regex(tfjs, /^\d+\.\d+\.\d+$/);
  t.is(pkg.dependencies?.['@tensorflow/tfjs-backend-wasm'], tfjs);
  t.is(pkg.dependencies?.['@tensorflow/tfjs-backend-webgpu'], tfjs);
  t.regex(pkg.dependencies?.webgpu ?? '', /^\d+\.\d+\.\d+$/);
  for (const native of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    t.is(pkg.peerDependencies?.[native], tfjs, native);
    t.is(pkg.peerDependenciesMeta?.[native]?.optional, true, native);
    t.is(pkg.dependencies?.[native], undefined, native);
  }
  // dawn.node comes inside the package; its install script only touches a macOS attribute.
  t.is(pkg.allowScripts?.webgpu, false);
});

test('one tfjs-core is installed, the one the webgpu and wasm backends use', (t) => {
  const require = createRequire(join(repoRoot, 'package.json'));
  const coreOf = (from: string): string => {
    const r = createRequire(require.resolve(`${from}/package.json`));
    return dirname(r.resolve('@tensorflow/tfjs-core/package.json'));
  };
  const core = coreOf('@tensorflow/tfjs');
  t.is(coreOf('@tensorflow/tfjs-backend-webgpu'), core);
  t.is(coreOf('@tensorflow/tfjs-backend-wasm'), core);
  t.is((JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as PackageJson).version, tfjs);
  // webgpu 0.6.2 ships these builds; elsewhere the backend is reported unavailable instead.
  const platform = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
  if (['linux-x64', 'linux-arm64', 'darwin-universal', 'win32-x64', 'win32-arm64'].includes(platform)) {
    const dawn = join(dirname(require.resolve('webgpu/package.json')), 'dist', platform, 'dawn.node');
    t.true(existsSync(dawn), `${dawn} (the prebuilt Dawn binding) is missing`);
  }
});
