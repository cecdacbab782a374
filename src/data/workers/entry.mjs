// Entry point of an image worker thread. The sources are TypeScript and the
// main thread's loader (bin/awmtl.js registers tsx in-process) does not carry
// over to worker threads, so the worker registers tsx itself, then loads the
// worker module.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
