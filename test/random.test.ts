import test from 'ava';
import { Rng } from '../src/random.js';

test('the same seed gives the same stream, another seed another', (t) => {
  const a = Rng.fromSeed(42);
  const b = Rng.fromSeed(42);
  const c = Rng.fromSeed(43);
  const xs = Array.from({ length: 8 }, () => a.nextUint32());
  t.deepEqual(Array.from({ length: 8 }, () => b.nextUint32()), xs);
  t.notDeepEqual(Array.from({ length: 8 }, () => c.nextUint32()), xs);
});

test('a saved state resumes the stream exactly', (t) => {
  const a = Rng.fromSeed(7);
  for (let i = 0; i < 100; i++) a.next();
  const saved = JSON.parse(JSON.stringify(a.state()));
  const expected = Array.from({ length: 20 }, () => a.next());
  const b = Rng.fromState(saved);
  t.deepEqual(Array.from({ length: 20 }, () => b.next()), expected);
});

test('int is within bounds and roughly uniform', (t) => {
  const rng = Rng.fromSeed(1);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.int(5)]++;
  for (const c of counts) t.true(Math.abs(c - 10_000) < 500, `count ${c}`);
});

test('permutation holds every index once', (t) => {
  const p = Array.from(Rng.fromSeed(3).permutation(100)).sort((x, y) => x - y);
  t.deepEqual(p, Array.from({ length: 100 }, (_, i) => i));
});

test('normal has mean 0 and variance 1', (t) => {
  const rng = Rng.fromSeed(9);
  const xs = Array.from({ length: 40_000 }, () => rng.normal());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  t.true(Math.abs(mean) < 0.03);
  t.true(Math.abs(variance - 1) < 0.05);
});

test('deriveSeed is deterministic and separates nearby inputs', async (t) => {
  const { deriveSeed, streamTag } = await import('../src/random.js');
  t.is(deriveSeed(1, 2, 3), deriveSeed(1, 2, 3));
  const seeds = new Set<number>();
  for (let i = 0; i < 1000; i++) seeds.add(deriveSeed(42, streamTag('train'), i));
  t.is(seeds.size, 1000);
  t.not(deriveSeed(42, streamTag('train'), 0), deriveSeed(42, streamTag('val'), 0));
  t.not(deriveSeed(1, 2), deriveSeed(2, 1));
});
