/**
 * The comparison table of `awmtl compare`: per strategy, the mean over seeds of
 * each run's final metrics (mean accuracy, mA, a pipeline's headline figures
 * such as Market's official 12-task accuracy) with their spread, and the
 * per-attribute accuracy deltas against a baseline strategy (EW when it was
 * run). Pure functions over plain numbers; fractions in [0, 1] throughout
 * (the text formats print percentages).
 */

/** What one finished run contributes (read from its metrics.json and log.jsonl). */
export interface RunResult {
  readonly strategy: string;
  readonly seed: number;
  readonly out: string;
  /** The split the figures are from ('test' when evaluated, else 'val'). */
  readonly split: string;
  readonly meanAccuracy: number;
  readonly mA: number;
  /** Per-task accuracy, in task order. */
  readonly perTask: readonly number[];
  /** Headline figures a pipeline adds (key -> label and value), e.g. marketOfficial. */
  readonly headline: Readonly<Record<string, { readonly label: string; readonly value: number }>>;
  /** Time in the training steps (sum of the log's step times: no data loading, no evaluation), seconds. */
  readonly seconds: number;
  readonly finalWeights: readonly number[];
  /** `valLossTrend` of the run's log: the budget check (null when the log is too short). */
  readonly valLossTrend?: number | null;
}

/**
 * Whether a run's losses had levelled off: the relative change of the mean validation loss
 * (averaged over tasks, one validation batch per iteration) from the second-to-last tenth of
 * the iterations to the last tenth. Near 0 (say within +-2%) means a plateau; clearly negative,
 * still falling (a longer budget would change the result); positive, rising (overfitting).
 * Null with fewer than 20 iterations.
 */
export const valLossTrend = (records: readonly { readonly valLoss: readonly number[] }[]): number | null => {
  const n = records.length;
  if (n < 20) return null;
  const w = Math.floor(n / 10);
  const at = (from: number): number => mean(records.slice(from, from + w).map((r) => mean(r.valLoss)));
  const [previous, last] = [at(n - 2 * w), at(n - w)];
  return Number.isFinite(previous) && previous !== 0 ? (last - previous) / previous : null;
};

export interface RunFailure {
  readonly strategy: string;
  readonly seed: number;
  readonly out: string;
  readonly message: string;
}

/** Mean and spread over seeds: std is the sample standard deviation (n - 1), null with one run. */
export interface Spread {
  readonly mean: number;
  readonly std: number | null;
}

export interface CompareRow {
  readonly strategy: string;
  /** Runs that finished, and their seeds. */
  readonly runs: number;
  readonly seeds: readonly number[];
  /** Mean accuracy over tasks, averaged over seeds, and its std over seeds. */
  readonly mean: number;
  readonly std: number | null;
  /** Label-based mA (mean of the per-task balanced accuracies), averaged over seeds. */
  readonly mA: number;
  readonly mAStd: number | null;
  /** Each seed's mean accuracy, in seed order. */
  readonly perSeed: readonly number[];
  /** Headline figures (e.g. marketOfficial), mean and std over seeds. */
  readonly headline: Readonly<Record<string, Spread & { readonly label: string }>>;
  /** Per-task accuracy averaged over seeds. */
  readonly perTask: readonly number[];
  /** Per-task accuracy minus the baseline strategy's (seed-averaged); null without a baseline. */
  readonly delta: readonly number[] | null;
  /** Mean accuracy minus the baseline's. */
  readonly meanDelta: number | null;
  /** Mean time per run in the training steps (no data loading, no evaluation), seconds. */
  readonly seconds: number;
  /** Mean over the runs of `valLossTrend` (the budget check), null when no run has one. */
  readonly valLossTrend: number | null;
  readonly failed: readonly { readonly seed: number; readonly message: string }[];
}

export interface CompareTable {
  readonly pipeline: string;
  readonly split: string;
  readonly tasks: readonly string[];
  /** The strategy the deltas are taken against (ew when it ran), or null. */
  readonly baseline: string | null;
  readonly iterations: number;
  readonly seeds: readonly number[];
  readonly rows: readonly CompareRow[];
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export const spread = (xs: readonly number[]): Spread => {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, std: null };
  const v = xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1);
  return { mean: m, std: Math.sqrt(v) };
};

/**
 * The table from the runs, one row per strategy in the given order. The
 * baseline of the deltas is `input.baseline` (default 'ew') when it has
 * finished runs, else the first strategy with finished runs (named in
 * `baseline`).
 */
export const compareTable = (input: {
  readonly pipeline: string;
  readonly tasks: readonly string[];
  readonly strategies: readonly string[];
  readonly seeds: readonly number[];
  readonly iterations: number;
  readonly results: readonly RunResult[];
  readonly failures?: readonly RunFailure[];
  /** The preferred reference of the deltas (default 'ew'). */
  readonly baseline?: string;
}): CompareTable => {
  const m = input.tasks.length;
  const byStrategy = (name: string): RunResult[] =>
    input.results.filter((r) => r.strategy === name).sort((a, b) => a.seed - b.seed);
  const perTaskMean = (runs: readonly RunResult[]): number[] =>
    Array.from({ length: m }, (_, j) => mean(runs.map((r) => r.perTask[j])));
  const finished = input.strategies.filter((s) => byStrategy(s).length > 0);
  const preferred = input.baseline ?? 'ew';
  const baseline = finished.includes(preferred) ? preferred : (finished[0] ?? null);
  const basePerTask = baseline === null ? null : perTaskMean(byStrategy(baseline));
  const baseMean = baseline === null ? null : mean(byStrategy(baseline).map((r) => r.meanAccuracy));
  const rows = input.strategies.map((strategy): CompareRow => {
    const runs = byStrategy(strategy);
    const acc = spread(runs.map((r) => r.meanAccuracy));
    const ma = spread(runs.map((r) => r.mA));
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.headline)))];
    const headline = Object.fromEntries(
      keys.map((key) => {
        const values = runs.flatMap((r) => (r.headline[key] === undefined ? [] : [r.headline[key].value]));
        const label = runs.find((r) => r.headline[key] !== undefined)?.headline[key].label ?? key;
        return [key, { label, ...spread(values) }];
      }),
    );
    const perTask = perTaskMean(runs);
    return {
      strategy,
      runs: runs.length,
      seeds: runs.map((r) => r.seed),
      mean: acc.mean,
      std: acc.std,
      mA: ma.mean,
      mAStd: ma.std,
      perSeed: runs.map((r) => r.meanAccuracy),
      headline,
      perTask,
      delta: basePerTask === null || runs.length === 0 ? null : perTask.map((a, j) => a - basePerTask[j]),
      meanDelta: baseMean === null || runs.length === 0 ? null : acc.mean - baseMean,
      seconds: mean(runs.map((r) => r.seconds)),
      valLossTrend: ((xs) => (xs.length === 0 ? null : mean(xs)))(runs.flatMap((r) => (typeof r.valLossTrend === 'number' ? [r.valLossTrend] : []))),
      failed: (input.failures ?? []).filter((f) => f.strategy === strategy).map((f) => ({ seed: f.seed, message: f.message })),
    };
  });
  const splits = [...new Set(input.results.map((r) => r.split))];
  return {
    pipeline: input.pipeline,
    split: splits.length === 1 ? splits[0] : splits.join('+') || 'none',
    tasks: input.tasks,
    baseline,
    iterations: input.iterations,
    seeds: input.seeds,
    rows,
  };
};

/** Percentage with two decimals; '–' for a missing value. */
export const pct = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : (x * 100).toFixed(2);

/** Signed percentage points with two decimals. */
export const signedPct = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;

/** 'mean ± std' in percent; just 'mean' when there is one run. */
export const pctSpread = (m: number, std: number | null): string => (std === null ? pct(m) : `${pct(m)} ± ${pct(std)}`);

const headlineKeys = (table: CompareTable): string[] => [...new Set(table.rows.flatMap((r) => Object.keys(r.headline)))];

const headlineLabel = (table: CompareTable, key: string): string =>
  table.rows.find((r) => r.headline[key] !== undefined)?.headline[key].label ?? key;

/** The summary as a Markdown table (one row per strategy). */
export const summaryMarkdown = (table: CompareTable): string => {
  const keys = headlineKeys(table);
  const base = table.baseline ?? 'baseline';
  const head = ['strategy', 'runs', `mean accuracy (%)`, 'mA (%)', ...keys.map((k) => `${headlineLabel(table, k)} (%)`), `Δ mean vs ${base} (pp)`, 'step time (s)', 'val loss, last 10% (%)'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of table.rows) {
    const cells = [
      r.strategy,
      r.failed.length > 0 ? `${r.runs} (${r.failed.length} failed)` : String(r.runs),
      r.runs === 0 ? '–' : pctSpread(r.mean, r.std),
      r.runs === 0 ? '–' : pctSpread(r.mA, r.mAStd),
      ...keys.map((k) => (r.headline[k] === undefined ? '–' : pctSpread(r.headline[k].mean, r.headline[k].std))),
      r.strategy === table.baseline ? '0 (baseline)' : signedPct(r.meanDelta),
      r.runs === 0 ? '–' : r.seconds.toFixed(1),
      r.valLossTrend === null ? '–' : signedPct(r.valLossTrend),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
};

/** Per-attribute accuracy deltas against the baseline (percentage points), one row per task. */
export const attributesMarkdown = (table: CompareTable): string => {
  const others = table.rows.filter((r) => r.strategy !== table.baseline && r.delta !== null);
  const base = table.rows.find((r) => r.strategy === table.baseline);
  if (base === undefined) return '(no finished runs)';
  const head = ['attribute', `${base.strategy} (%)`, ...others.map((r) => `${r.strategy} Δ`)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  table.tasks.forEach((task, j) => {
    lines.push(`| ${[task, pct(base.perTask[j]), ...others.map((r) => signedPct(r.delta?.[j]))].join(' | ')} |`);
  });
  return lines.join('\n');
};

/** The whole Markdown document written to compare.md (and printed). */
export const compareMarkdown = (table: CompareTable): string => {
  const failures = table.rows.flatMap((r) => r.failed.map((f) => `- ${r.strategy} seed ${f.seed}: ${f.message}`));
  return [
    `## awmtl compare: ${table.pipeline}, ${table.iterations} iterations, seeds ${table.seeds.join(', ')} (${table.split} split)`,
    '',
    'Mean ± sample standard deviation over seeds (one seed: the value alone). Step time: the seconds spent in the training steps per run (no data loading or evaluation). ' +
      'Val loss, last 10%: the budget check, the change of the mean validation loss from the second-to-last tenth of the iterations to the last (near 0: a plateau; negative: still falling; positive: rising).',
    '',
    summaryMarkdown(table),
    '',
    `### Per-attribute accuracy: ${table.baseline ?? '–'}, and each strategy's difference from it (percentage points)`,
    '',
    attributesMarkdown(table),
    ...(failures.length > 0 ? ['', '### Failed runs', '', ...failures] : []),
    '',
  ].join('\n');
};

const csvCell = (x: string | number | null): string => {
  if (x === null) return '';
  const s = String(x);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const csv = (rows: readonly (readonly (string | number | null)[])[]): string => `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;

/** compare.csv: one line per strategy (fractions). */
export const summaryCsv = (table: CompareTable): string => {
  const keys = headlineKeys(table);
  return csv([
    ['strategy', 'runs', 'failed', 'mean', 'std', 'mA', 'mA_std', ...keys.flatMap((k) => [k, `${k}_std`]), 'mean_delta', 'step_seconds'],
    ...table.rows.map((r) => [
      r.strategy,
      r.runs,
      r.failed.length,
      r.runs === 0 ? null : r.mean,
      r.std,
      r.runs === 0 ? null : r.mA,
      r.mAStd,
      ...keys.flatMap((k) => [r.headline[k]?.mean ?? null, r.headline[k]?.std ?? null]),
      r.meanDelta,
      r.runs === 0 ? null : r.seconds,
    ]),
  ]);
};

/** compare-attributes.csv: one line per task, each strategy's accuracy and delta (fractions). */
export const attributesCsv = (table: CompareTable): string =>
  csv([
    ['task', ...table.rows.flatMap((r) => [`${r.strategy}_accuracy`, `${r.strategy}_delta`])],
    ...table.tasks.map((task, j) => [
      task,
      ...table.rows.flatMap((r) => [r.runs === 0 ? null : r.perTask[j], r.delta === null ? null : r.delta[j]]),
    ]),
  ]);

/** compare.json and `--json`: the table with plain numbers (NaN -> null). */
export const compareJson = (table: CompareTable, space?: number): string =>
  JSON.stringify(table, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), space);
