/**
 * Generator of a zero-padding copy for NHWC tensors: `pad(src, dst, n)` copies n images of
 * [H, W, C] into [H + top + bottom, W + left + right, C] with zero borders, writing every
 * destination float once (f32x4 moves with a scalar tail). Shapes are baked in as constants.
 */
import { FunctionBuilder, type ModuleBuilder, ValType } from './emitter.js';
import type { Pad } from './runtime.js';

/** Emits `count` zero floats at dst (a byte-offset local, advanced past them). */
function zeros(f: FunctionBuilder, dst: number, count: number, i: number): void {
  if (count <= 0) return;
  const vecs = Math.floor(count / 4);
  if (vecs > 0) {
    f.forLt(i, 0, vecs, 1, () => {
      f.get(dst).f32x4Const(0).v128Store();
      f.addTo(dst, 16);
    });
  }
  for (let k = 0; k < count % 4; k++) {
    f.get(dst).f32(0).f32Store();
    f.addTo(dst, 4);
  }
}

/** Emits copying `count` floats from src to dst (byte-offset locals, both advanced). */
function copy(f: FunctionBuilder, src: number, dst: number, count: number, i: number): void {
  const vecs = Math.floor(count / 4);
  if (vecs > 0) {
    f.forLt(i, 0, vecs, 1, () => {
      f.get(dst).get(src).v128Load().v128Store();
      f.addTo(dst, 16).addTo(src, 16);
    });
  }
  for (let k = 0; k < count % 4; k++) {
    f.get(dst).get(src).f32Load().f32Store();
    f.addTo(dst, 4).addTo(src, 4);
  }
}

/** Adds `pad(src, dst, n)` (byte offsets) for images of [H, W, C]. */
export function addPad(mod: ModuleBuilder, exportName: string, H: number, W: number, C: number, p: Pad): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [src0, dst0, n] = [0, 1, 2];
  const src = f.local(I);
  const dst = f.local(I);
  const img = f.local(I);
  const row = f.local(I);
  const i = f.local(I);
  const Wp = W + p.left + p.right;
  f.get(src0).set(src).get(dst0).set(dst);
  f.forLt(img, 0, { local: n }, 1, () => {
    zeros(f, dst, p.top * Wp * C, i);
    f.forLt(row, 0, H, 1, () => {
      zeros(f, dst, p.left * C, i);
      copy(f, src, dst, W * C, i);
      zeros(f, dst, p.right * C, i);
    });
    zeros(f, dst, p.bottom * Wp * C, i);
  });
  mod.add(f);
}
