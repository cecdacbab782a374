/**
 * Generator of the filter packing for the gather convolution (addGatherConv.ts's panels) as a
 * wasm loop instead of JavaScript typed-array indexing: for ResNet's 3x3x512x512 filters the
 * JavaScript loop took about a third of the convolution's time.
 *
 * `run(rows, dst, colBase, K)`: for r < K, for c < width:
 *   dst[r * width + c] = heap[rows[r] + colBase + c * colStride]
 * where `rows` holds K byte offsets (Int32) and colBase, the offsets and the result are bytes;
 * one call packs one panel. With colStride 1 and a width that is a multiple of 4 the copy is by
 * f32x4.
 */
import { FunctionBuilder, type ModuleBuilder, Op, ValType } from './emitter.js';

export function addPackPanel(mod: ModuleBuilder, exportName: string, width: number, colStride: number): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [rows, dst, colBase, K] = [0, 1, 2, 3];
  const r = f.local(I);
  const src = f.local(I);
  const o = f.local(I);
  const vector = colStride === 1 && width % 4 === 0;
  f.get(dst).set(o);
  f.forLt(r, 0, { local: K }, 1, () => {
    f.get(rows).get(r).i32(2).op(Op.i32Shl).op(Op.i32Add).i32Load(0).get(colBase).op(Op.i32Add).set(src);
    if (vector) {
      for (let c = 0; c < width; c += 4) f.get(o).get(src).v128Load(c * 4).v128Store(c * 4);
    } else {
      for (let c = 0; c < width; c++) f.get(o).get(src).f32Load(c * colStride * 4).f32Store(c * 4);
    }
    f.addTo(o, width * 4);
  });
  mod.add(f);
}
