/** The awmtl executable for benchmarks that run it in fresh processes: the compiled bin, or in the sources the tsx launcher. */
import { fileURLToPath } from 'node:url';

export const awmtlBin = (): string =>
  fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../main.js' : '../../bin/awmtl.js', import.meta.url));
