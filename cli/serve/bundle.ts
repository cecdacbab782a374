/**
 * Bundling a browser page's TypeScript entry (web/*.ts) with everything it
 * imports, in memory, when `awmtl serve` starts.
 *
 * The bundler is esbuild, because:
 * - it is already installed (tsx runs on it), so the browser build adds no package
 *   and no second toolchain (a Rollup or webpack setup would add dozens, and a
 *   TypeScript plug-in of its own);
 * - it reads the project's TypeScript sources as they are, the same files tsx runs
 *   in Node, so the page runs src/data/image/preprocess.ts and src/model/*.ts
 *   themselves rather than a copy, and nothing is built ahead of time;
 * - its JavaScript API bundles to memory (`write: false`) in about a second for
 *   the predict page with all of TensorFlow.js.
 *
 * The installed package has no TypeScript sources: `npm run build` bundles the
 * pages once into dist/web/ (`prebundlePages`), and a compiled `awmtl serve`
 * serves those files (esbuild is then not needed at run time).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (where web/ lives). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One self-contained ES module for the browser. Throws with esbuild's message on a build error. */
export const bundlePage = async (entry: string, options: { minify?: boolean } = {}): Promise<string> => {
  // Compiled (dist/cli/serve/bundle.js): the page bundled at build time, in dist/web/.
  const prebuilt = new URL(`../../web/${entry.replace(/\.ts$/, '.js')}`, import.meta.url);
  if (import.meta.url.endsWith('.js') && existsSync(prebuilt)) return readFileSync(prebuilt, 'utf8');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../../web/${entry}`, import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    // (A node: import reaching the page fails the build: the src/ modules a page imports are pure.)
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0].text;
};

/** The pages bundled ahead of time into `outDir` (the build's dist/web/): what a compiled `awmtl serve` serves. */
export const prebundlePages = async (outDir: string): Promise<string[]> => {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const entry of ['predictPage.ts', 'dashboardPage.ts']) {
    const file = `${outDir}/${entry.replace(/\.ts$/, '.js')}`;
    writeFileSync(file, await bundlePage(entry));
    written.push(file);
  }
  return written;
};
