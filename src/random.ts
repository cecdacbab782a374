/**
 * Seeded, serialisable pseudo-random numbers (xoshiro128**, seeded through
 * splitmix32). Everything random in awmtl (splits, shuffles, validation draws,
 * augmentation, RLW weights, fixtures) draws from one of these, so a run is
 * reproducible from its seed and resumable from a saved state.
 */

export type RngState = readonly [number, number, number, number];

const splitmix32 = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
};

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(state: RngState) {
    [this.s0, this.s1, this.s2, this.s3] = state;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s3 = 1;
  }

  /** A generator seeded from an integer (any 32-bit value; the same seed gives the same stream). */
  static fromSeed(seed: number): Rng {
    const mix = splitmix32(seed);
    return new Rng([mix(), mix(), mix(), mix()]);
  }

  /** A generator resumed from a state obtained with {@link Rng.state}. */
  static fromState(state: RngState): Rng {
    return new Rng([state[0] >>> 0, state[1] >>> 0, state[2] >>> 0, state[3] >>> 0]);
  }

  /** The current state, plain numbers, safe to JSON-encode. */
  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** An independent generator derived from this one's next outputs (for sub-streams). */
  fork(): Rng {
    const mix = splitmix32(this.nextUint32() ^ 0x5bd1e995);
    return new Rng([mix() ^ this.nextUint32(), mix(), mix(), mix()]);
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`Rng.int: bad bound ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Standard normal sample (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle of a copy of the input. */
  shuffled<A>(items: readonly A[]): A[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}

/**
 * A 32-bit seed derived from several integers (a base seed, a stream tag, an
 * epoch or iteration number...), well mixed so nearby inputs give unrelated
 * streams. Counter-based randomness: the batch of iteration t is a pure
 * function of (seed, t), so prefetching, worker threads and resuming cannot
 * change it.
 */
export const deriveSeed = (...parts: readonly number[]): number => {
  let h = 0x811c9dc5;
  for (const part of parts) {
    // Fold the (possibly > 32-bit) integer in two halves.
    const lo = part >>> 0;
    const hi = Math.floor(part / 4294967296) >>> 0;
    for (const word of [lo, hi]) {
      h = Math.imul(h ^ word, 0x9e3779b1) >>> 0;
      h = (h ^ (h >>> 15)) >>> 0;
      h = Math.imul(h, 0x85ebca77) >>> 0;
      h = (h ^ (h >>> 13)) >>> 0;
    }
  }
  return h >>> 0;
};

/** Stable 32-bit tag for a stream name ('train', 'val', 'flip', ...). */
export const streamTag = (name: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};
