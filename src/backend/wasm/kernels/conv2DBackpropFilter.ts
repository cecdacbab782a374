/**
 * Conv2DBackpropFilter (absent from tfjs-backend-wasm 4.22): the generated packed GEMM over
 * chunks of output rows, with per-thread partial sums when split.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import {
  addBackpropFilter,
  backpropFilterScratch,
  defaultBackpropFilterPlan,
  type BackpropFilterGeometry,
} from '../addBackpropFilter.js';
import { runtimeFor, splitRange } from '../runtime.js';
import { convGeometry, convInfoOf, effectivePad, padded } from './convInfoOf.js';
import { isEmpty, type KernelArgs } from './kernelArgs.js';
import { addPartials, partsFor, perThread, zeros } from './partsFor.js';

export function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs;
  const filterShape = args.attrs.filterShape as number[];
  const info = convInfoOf(x.shape, filterShape, args.attrs, 1);
  if (info.dataFormat !== 'channelsLast' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error('awmtl wasm Conv2DBackpropFilter: only float32 NHWC (channelsLast) is supported');
  }
  const rt = runtimeFor(args.backend);
  if (isEmpty(x.shape) || isEmpty(dy.shape) || isEmpty(filterShape)) return zeros(rt, filterShape);
  const pad = effectivePad(info);
  const g: BackpropFilterGeometry = convGeometry(info, pad);
  const plan = defaultBackpropFilterPlan(g);
  const kernel = rt.kernel(`bpf:${JSON.stringify(g)}:${JSON.stringify(plan)}`, (mod) =>
    addBackpropFilter(mod, 'run', g, plan),
  );
  const n = info.batchSize;
  const filterSize = g.KH * g.KW * g.ci * g.CO;
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * filterSize));
  const out = zeros(rt, filterShape);
  const [xp, scratch] = padded(rt, x, pad);
  // Chunks accumulate into their thread's zeroed partial (the output for this thread).
  const partials = perThread(rt, ranges.length, filterSize, true).slice(1);
  const work = ranges.length < 2 ? [rt.malloc(backpropFilterScratch(g, plan))] : perThread(rt, 2, backpropFilterScratch(g, plan), false);
  const o = rt.offset(out);
  const dyo = rt.offset(dy);
  const xImage = g.Hp * g.Wp * g.ci * 4;
  const dyImage = g.OH * g.OW * g.CO * 4;
  rt.parallel(
    kernel,
    'run',
    ranges.map(([s, c]) => [xp + s * xImage, dyo + s * dyImage, o, c * g.OH, work[0]]),
    [
      { index: 2, values: [o, ...partials] },
      { index: 4, values: work },
    ],
  );
  addPartials(rt, o, partials, filterSize);
  for (const w of work) rt.free(w);
  if (scratch) rt.free(scratch);
  return out;
}
