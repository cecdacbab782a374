import test from 'ava';
import { FunctionBuilder, ModuleBuilder, Op, SimdOp, ValType } from '../../src/backend/wasm/emitter.js';
import { splitRange } from '../../src/backend/wasm/runtime.js';

const memory = (): WebAssembly.Memory => new WebAssembly.Memory({ initial: 1 });

test('i32 and f32 constants round-trip through the LEB128 and IEEE encodings', (t) => {
  const values = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8193, 2 ** 31 - 1, -(2 ** 31), 123456789];
  const mod = new ModuleBuilder(false);
  values.forEach((v, i) => {
    const f = new FunctionBuilder(`c${i}`, [], [ValType.i32]);
    f.i32(v);
    mod.add(f);
  });
  const g = new FunctionBuilder('f', [], [ValType.f32]);
  g.f32(-1.5);
  mod.add(g);
  const ex = mod.instantiate(memory());
  values.forEach((v, i) => t.is(ex[`c${i}`](), v));
  t.is(ex.f(), -1.5);
});

test('loops, calls, loads and SIMD stores compute what they say', (t) => {
  const I = ValType.i32;
  const mod = new ModuleBuilder(false);
  // helper(p, v): memory[p] = v (as f32), called from the loop below.
  const helper = new FunctionBuilder(null, [I, ValType.f32]);
  helper.get(0).get(1).f32Store();
  const helperIndex = mod.add(helper);
  // fill(p, n): memory[p + 4i] = i for i < n; then the first four floats are doubled with SIMD.
  const f = new FunctionBuilder('fill', [I, I]);
  const i = f.local(I);
  f.forLt(i, 0, { local: 1 }, 1, () => {
    f.get(0).get(i).i32(4).op(Op.i32Mul).op(Op.i32Add);
    f.get(i).op(Op.f32ConvertI32S).call(helperIndex);
  });
  f.get(0).get(0).v128Load().get(0).v128Load().simd(SimdOp.f32x4Add).v128Store();
  mod.add(f);
  const mem = memory();
  const ex = mod.instantiate(mem);
  ex.fill(64, 6);
  t.deepEqual(Array.from(new Float32Array(mem.buffer, 64, 6)), [0, 2, 4, 6, 4, 5]);
});

test('splitRange covers [0, n) with near-equal non-empty parts', (t) => {
  for (const [n, parts] of [
    [10, 3],
    [2, 4],
    [7, 1],
    [0, 2],
    [32, 2],
  ]) {
    const r = splitRange(n, parts);
    t.true(r.length <= Math.max(1, Math.min(parts, n)));
    let next = 0;
    for (const [start, count] of r) {
      t.is(start, next);
      next += count;
    }
    t.is(next, n);
    const counts = r.map((x) => x[1]);
    t.true(Math.max(...counts) - Math.min(...counts) <= 1);
  }
});
