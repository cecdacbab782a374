/**
 * Per-kernel time of training steps: the steps run inside `tf.profile`, and the kernels it
 * records (forward, gradient and optimiser kernels alike) are summed by kernel name.
 *
 * tfjs times each kernel by wall clock on the wasm and cpu backends (its outputs are read back
 * when the backend has no timer), so the table is what each kernel costs inside a step; the
 * difference between the profiled step time and the kernel total is the engine's own work
 * (tape, tidy, bookkeeping).
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  readonly name: string;
  /** Calls per step. */
  readonly calls: number;
  /** Milliseconds per step. */
  readonly ms: number;
  /** Share of the summed kernel time. */
  readonly share: number;
}

export interface StepProfile {
  readonly steps: number;
  /** Wall time per profiled step (ms), profiling overhead included. */
  readonly stepMs: number;
  /** Summed kernel time per step (ms). */
  readonly kernelMs: number;
  /** Kernels by time per step, largest first. */
  readonly kernels: readonly KernelTime[];
  /** The same by kernel and input shapes (`Conv2D 16x24x24x64 3x3x64x64`): which layer costs what. */
  readonly byShape: readonly KernelTime[];
}

/** What tf.profile records of one kernel call (the fields read here). */
type KernelRecord = { readonly name: string; readonly kernelTimeMs?: unknown; readonly inputShapes?: readonly (readonly number[] | null | undefined)[] };

/**
 * Op scopes that tfjs records as well as the kernels they run (ops with a custom gradient, such as
 * `fusedConv2d__op`), which would count their kernels twice.
 */
const isOpScope = (name: string): boolean => name.endsWith('__op');

/**
 * Sums kernel records `{ name, kernelTimeMs }` over `steps` steps into a table, largest first
 * (op-scope records are left out: their kernels have records of their own).
 */
export function aggregateKernels(
  records: readonly KernelRecord[],
  steps: number,
  keyOf: (r: KernelRecord) => string = (r) => r.name,
): { kernelMs: number; kernels: KernelTime[] } {
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const r of records) {
    if (isOpScope(r.name)) continue;
    const ms = typeof r.kernelTimeMs === 'number' && Number.isFinite(r.kernelTimeMs) ? r.kernelTimeMs : 0;
    const key = keyOf(r);
    const e = byName.get(key) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += ms;
    byName.set(key, e);
  }
  const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
  const kernels = [...byName.entries()]
    .map(([name, e]) => ({ name, calls: e.calls / steps, ms: e.ms / steps, share: total > 0 ? e.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
  return { kernelMs: total / steps, kernels };
}

/** Runs `step` `steps` times under `tf.profile` and returns the per-kernel table. */
export async function profileSteps(step: () => unknown, steps: number): Promise<StepProfile> {
  const t0 = performance.now();
  const info = await tf.profile(() => {
    for (let i = 0; i < steps; i++) step();
  });
  const stepMs = (performance.now() - t0) / steps;
  const { kernelMs, kernels } = aggregateKernels(info.kernels, steps);
  const { kernels: byShape } = aggregateKernels(info.kernels, steps, shapeKey);
  return { steps, stepMs, kernelMs, kernels, byShape };
}

/** A kernel record's name and input shapes, e.g. `Conv2D 16x24x24x64 3x3x64x64`. */
export const shapeKey = (r: KernelRecord): string =>
  [r.name, ...(r.inputShapes ?? []).map((s) => (s == null ? '?' : s.length === 0 ? 'scalar' : s.join('x')))].join(' ');

/** The table as text: kernel, calls per step, ms per step, share. */
export function formatProfile(p: StepProfile, top = 30): string {
  /** A header and one line per row, the name column as wide as the longest name. */
  const table = (head: string, rows: readonly KernelTime[]): string[] => {
    const width = Math.max(6, head.length, ...rows.map((k) => k.name.length));
    return [
      `${head.padEnd(width)}  calls   ms/step   share`,
      ...rows.map((k) => `${k.name.padEnd(width)}  ${k.calls.toFixed(0).padStart(5)}  ${k.ms.toFixed(2).padStart(8)}  ${(k.share * 100).toFixed(1).padStart(5)}%`),
    ];
  };
  const rows = p.kernels.slice(0, top);
  const lines = [
    `per-kernel time, ${p.steps} profiled step(s): ${p.stepMs.toFixed(1)} ms/step wall, ${p.kernelMs.toFixed(1)} ms/step in kernels`,
    ...table('kernel', rows),
  ];
  if (p.kernels.length > rows.length) {
    const rest = p.kernels.slice(top);
    lines.push(`(${rest.length} more kernels: ${rest.reduce((s, k) => s + k.ms, 0).toFixed(2)} ms/step)`);
  }
  const shapes = p.byShape.slice(0, 20);
  if (shapes.length > 0) lines.push('', `by kernel and input shapes (top ${shapes.length})`, ...table('kernel, inputs', shapes));
  return lines.join('\n');
}
