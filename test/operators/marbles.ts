import type { ExecutionContext } from 'ava';
import { TestScheduler } from 'rxjs/testing';

/** Numbers rounded to 12 significant digits, recursively, so float noise does not fail a frame comparison. */
const rounded = (x: unknown): unknown => {
  if (typeof x === 'number') return Number.isFinite(x) ? Number(x.toPrecision(12)) : x;
  if (Array.isArray(x)) return x.map(rounded);
  if (x instanceof Error) return x;
  if (typeof x === 'object' && x !== null) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, rounded(v)]));
  }
  return x;
};

/**
 * A TestScheduler whose frame comparisons are ava deep-equality assertions.
 * Numbers are compared to 12 significant digits (relative error ~1e-12).
 */
export const marbles = (t: ExecutionContext): TestScheduler =>
  new TestScheduler((actual, expected) => {
    t.deepEqual(rounded(actual), rounded(expected));
  });
