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
 * Adds the filter gradient of `n` images (padded input at byte offset xp, dy at dyo) into the
 * KH*KW*Ci*CO floats at byte offset `o` (zero-filled, or a sum to add to).
 */
export function runBackpropFilter(rt: KernelRuntime, g: BackpropFilterGeometry, n: number, xp: number, dyo: number, o: number): void {
  const plan = defaultBackpropFilterPlan(g);
  const kernel = rt.kernel(`bpf:${JSON.stringify(g)}:${JSON.stringify(plan)}`, (mod) => addBackpropFilter(mod, 'run', g, plan));
  const filterSize = g.KH * g.KW * g.ci * g.CO;
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * filterSize));
  // Chunks accumulate into their thread's zeroed partial (the output for this thread).
  const partials = perThread(rt, ranges.length, filterSize, true).slice(1);
  const work = ranges.length < 2 ? [rt.malloc(backpropFilterScratch(g, plan))] : perThread(rt, 2, backpropFilterScratch(g, plan), false);
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
}
