/**
 * The generated gather convolution over a padded input with a filter read through a row table
 * (the forward convolution, and the stride-1 input gradient with the rotated filter).
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import {
  addGatherConv,
  defaultGatherPlan,
  type Epilogue,
  type GatherGeometry,
  type GatherPlan,
  NO_EPILOGUE,
  panelColumns,
} from '../addGatherConv.js';
import { addPackPanel } from '../addPackPanel.js';
import { type KernelRuntime, splitRange } from '../runtime.js';
import { partsFor } from './partsFor.js';

/**
 * Packs the filter into the gather kernel's panels (addGatherConv.ts; one generated loop per
 * panel width, addPackPanel.ts): the value for reduction row r and column co is
 * heap[rows[r] + co * colStride] (float indices); the result holds KH*KW*Ci*CO floats.
 */
function packFilter(rt: KernelRuntime, g: GatherGeometry, plan: GatherPlan, packed: number, rows: Int32Array, colStride: number): void {
  const K = rows.length;
  const table = rt.malloc(K);
  const t = table >>> 2;
  const i32 = rt.i32;
  for (let r = 0; r < K; r++) i32[t + r] = rows[r] * 4;
  for (const { start, width } of panelColumns(g, plan)) {
    const pack = rt.module(`pack:${width}:${colStride}`, (mod) => addPackPanel(mod, 'run', width, colStride));
    pack.run(table, packed + start * K * 4, start * colStride * 4, K);
  }
  rt.free(table);
}

/**
 * Forward convolution of padded `xp` with a filter whose value for reduction row r and output
 * channel co is heap[rows[r] + co * colStride], into `out` (a tensor, or a byte offset).
 */
export function runGather(
  rt: KernelRuntime,
  g: GatherGeometry,
  n: number,
  xp: number,
  out: TensorInfo | number,
  rows: (heap: Float32Array) => Int32Array,
  colStride: number,
  epilogue: Epilogue = NO_EPILOGUE,
  bias = 0,
): void {
  const plan = defaultGatherPlan(g);
  const key = `gather:${JSON.stringify(g)}:${JSON.stringify(plan)}:${JSON.stringify(epilogue)}`;
  const kernel = rt.kernel(key, (mod) => addGatherConv(mod, 'run', g, plan, epilogue));
  const K = g.KH * g.KW * g.ci;
  const packed = rt.malloc(K * g.CO);
  packFilter(rt, g, plan, packed, rows(rt.f32), colStride);
  const xImage = g.Hp * g.Wp * g.ci * 4;
  const outImage = (g.outImage ?? g.OH * g.OW * g.CO) * 4;
  const o = typeof out === 'number' ? out : rt.offset(out);
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * g.CO * K));
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xp + s * xImage, packed, o + s * outImage, c, bias]));
  rt.free(packed);
}
