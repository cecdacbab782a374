/** Messages between the worker pool (main thread) and an image worker. */
import type { ImageError } from '../images.js';
import type { DecodeResult, DecodeTask, LoadTask } from './work.js';

/** Replies carry the task's pixels, transferred (not copied). */

export type WorkerRequest =
  | { readonly kind: 'load'; readonly id: number; readonly task: LoadTask }
  | { readonly kind: 'decode'; readonly id: number; readonly task: DecodeTask }
  /** Close the shard files and exit. */
  | { readonly kind: 'shutdown' }
  /** Fault injection for tests: process.exit(3), or an uncaught exception. */
  | { readonly kind: 'fault'; readonly how: 'exit' | 'throw' };

export type WorkerReply =
  /** Sent once, when the worker has loaded and listens. */
  | { readonly kind: 'ready' }
  | { readonly kind: 'loaded'; readonly id: number; readonly errors: (ImageError | null)[]; readonly pixels: Float32Array }
  | { readonly kind: 'decoded'; readonly id: number; readonly results: DecodeResult[]; readonly pixels: Uint8Array }
  /** The task threw (a bug, not a bad image): the message, with the task's files named by the pool. */
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };
