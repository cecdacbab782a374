/**
 * An image worker thread: runs load and decode tasks from the pool
 * (src/data/workers/pool.ts) with the functions of work.ts, replying with one
 * result per image and the pixels (transferred, not copied).
 * Started through entry.mjs, which registers the TypeScript loader first.
 */
import { parentPort } from 'node:worker_threads';
import { NORMALISE_HALF, normaliseInto } from '../image/normalise.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';
import { performDecode, performLoad, ShardReader } from './work.js';

const port = parentPort;
if (port === null) throw new Error('src/data/workers/worker.ts runs as a worker thread (see pool.ts)');

const shards = new ShardReader();
const reply = (message: WorkerReply): void =>
  port.postMessage(message, 'pixels' in message ? [message.pixels.buffer as ArrayBuffer] : []);

port.on('message', (request: WorkerRequest) => {
  if (request.kind === 'shutdown') {
    shards.close();
    port.close();
    return;
  }
  if (request.kind === 'fault') {
    if (request.how === 'exit') process.exit(3);
    throw new Error('fault injected by a test');
  }
  const work =
    request.kind === 'load'
      ? performLoad(request.task, shards).then((r): WorkerReply => ({ kind: 'loaded', id: request.id, errors: r.errors, pixels: r.pixels }))
      : performDecode(request.task).then((r): WorkerReply => ({ kind: 'decoded', id: request.id, results: r.results, pixels: r.pixels }));
  work.then(reply, (error: unknown) =>
    reply({ kind: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) }),
  );
});
// Warm the per-pixel loop before saying ready, so the run's first batch is not made by the interpreter.
{
  const bytes = new Uint8Array(32 * 32 * 3);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < 200; i++) normaliseInto(bytes, 0, out, 0, 32, 32, NORMALISE_HALF, i % 2 === 1);
}
reply({ kind: 'ready' });
