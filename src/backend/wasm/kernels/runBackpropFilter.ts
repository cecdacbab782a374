/**
 * The generated filter-gradient GEMM (addBackpropFilter.ts) over a padded input and dy, split by
 * images over the threads with per-thread partial sums.
 */
import {
  addBackpropFilter,
  type BackpropFilterGeometry,
  backpropFilterScratch,
  defaultBackpropFilterPlan,
} from '../addBackpropFilter.js';
import { type KernelRuntime, splitRange } from '../runtime.js';
import { addPartials, partsFor, perThread } from './partsFor.js';

/**
 * Writes the filter gradient of `n` images (padded input at byte offset xp, dy at dyo) to the
 * KH*KW*Ci*CO floats at byte offset `o` (need not be initialised: on one chunk the packed kernel
 * writes it without reading it, otherwise it is zero-filled first).
 */
export function runBackpropFilter(rt: KernelRuntime, g: BackpropFilterGeometry, n: number, xp: number, dyo: number, o: number): void {
  const plan = defaultBackpropFilterPlan(g);
  const kernel = rt.kernel(`bpf:${JSON.stringify(g)}:${JSON.stringify(plan)}`, (mod) => addBackpropFilter(mod, 'run', g, plan));
  const filterSize = g.KH * g.KW * g.ci * g.CO;
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * filterSize));
  const fresh = ranges.length < 2 && plan.mode === 'packed';
  if (!fresh) rt.f32.fill(0, o >>> 2, (o >>> 2) + filterSize);
  // Chunks accumulate into their thread's zeroed partial (the output for this thread).
  const partials = perThread(rt, ranges.length, filterSize, true).slice(1);
  const work = ranges.length < 2 ? [rt.malloc(backpropFilterScratch(g, plan))] : perThread(rt, 2, backpropFilterScratch(g, plan), false);
  const xImage = g.Hp * g.Wp * g.ci * 4;
  const dyImage = g.OH * g.OW * g.CO * 4;
  rt.parallel(
    kernel,
    'run',
    ranges.map(([s, c]) => [xp + s * xImage, dyo + s * dyImage, o, c * g.OH, work[0], fresh ? 1 : 0]),
    [
      { index: 2, values: [o, ...partials] },
      { index: 4, values: work },
    ],
  );
  addPartials(rt, o, partials, filterSize);
  for (const w of work) rt.free(w);
}
