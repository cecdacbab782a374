/**
 * Build step (`npm run build`, after tsc): bundles the browser pages from the
 * TypeScript sources into dist/web/, so the installed package serves them
 * without the sources or a bundler. Run from the repository through tsx.
 */
import { fileURLToPath } from 'node:url';
import { prebundlePages } from './bundle.js';

const out = fileURLToPath(new URL('../../dist/web', import.meta.url));
const files = await prebundlePages(out);
process.stdout.write(`bundled ${files.length} pages into ${out}\n`);
