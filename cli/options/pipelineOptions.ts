/**
 * The dataset options: --pipeline NAME, --data DIR, --size, --crop, and every
 * pipeline's data options (from `findPipeline(name).dataOptions`), each listed
 * once with the pipelines that take it.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DataOptionValue, PipelineDefinition } from '../../pipelines/definition.js';
import { findPipeline, pipelineNames } from '../../pipelines/index.js';
import { CROP_PRESETS, type Crop } from '../../src/data/images.js';
import { custom, flag, type Option, text, usageError, type UsageError } from './optionTable.js';

export const parseSize = (raw: string): E.Either<string, { height: number; width: number }> => {
  const m = /^(\d+)(?:x(\d+))?$/.exec(raw.trim());
  if (m === null) return E.left(`--size must be HxW or N, e.g. 64x64 or 128x64, got ${JSON.stringify(raw)}`);
  const height = Number(m[1]);
  const width = m[2] === undefined ? height : Number(m[2]);
  if (height < 8 || width < 8 || height > 1024 || width > 1024) return E.left(`--size: each side must be between 8 and 1024, got ${height}x${width}`);
  return E.right({ height, width });
};

export const parseCrop = (raw: string): E.Either<string, Crop> =>
  raw === 'none' || raw in CROP_PRESETS
    ? E.right(raw as Crop)
    : E.left(`--crop must be none or one of ${Object.keys(CROP_PRESETS).join(', ')}, got ${JSON.stringify(raw)}`);

/** --pipeline NAME (checked against the registry) and --data DIR. */
export const pipelineOption = (o: { help?: string; default?: string } = {}): Option<PipelineDefinition | undefined> =>
  custom(
    (raw) => {
      const p = findPipeline(raw);
      return p === undefined ? E.left(`unknown pipeline "${raw}" (known: ${pipelineNames().join(', ')})`) : E.right(p);
    },
    { metavar: 'NAME', help: o.help ?? pipelineNames().join(', '), ...(o.default === undefined ? {} : { defaultText: o.default }) },
  );

export const dataOption = (help = 'the dataset folder (the real dataset layout)') => text({ metavar: 'DIR', help });

/** --size HxW | N and --crop NAME: the image preprocessing (default: the pipeline's). */
export const imageOptions = {
  size: custom(parseSize, { metavar: 'HxW|N', help: 'input size', defaultText: "the pipeline's, e.g. 64x64 for celeba" }),
  crop: custom(parseCrop, { metavar: 'NAME', help: `none, ${Object.keys(CROP_PRESETS).join(', ')}`, defaultText: "the pipeline's" }),
};

/** The names of every pipeline's data options, less `except`. */
export const dataOptionNames = (except: readonly string[] = []): string[] => {
  const names = new Set<string>();
  for (const p of pipelineNames()) for (const o of Object.keys(findPipeline(p)?.dataOptions ?? {})) if (!except.includes(o)) names.add(o);
  return [...names];
};

/**
 * One option per data option name (flag or string, as the pipelines declare it); its help has a
 * `[pipelines] help` line per distinct help. `rename` gives an option another name on this command
 * (eval: a pipeline's --split is --data-split, since --split names the split to evaluate).
 */
export const dataOptions = (except: readonly string[] = [], rename: Readonly<Record<string, string>> = {}): Record<string, Option<boolean | string | undefined>> => {
  const out: Record<string, Option<boolean | string | undefined>> = {};
  for (const name of dataOptionNames(except)) {
    const byHelp = new Map<string, string[]>();
    let type: 'string' | 'boolean' = 'string';
    for (const p of pipelineNames()) {
      const d = findPipeline(p)?.dataOptions[name];
      if (d === undefined) continue;
      type = d.type;
      byHelp.set(d.help, [...(byHelp.get(d.help) ?? []), p]);
    }
    const help = [...byHelp].map(([h, ps]) => `[${ps.join(', ')}] ${h}`).join('\n');
    out[rename[name] ?? name] = type === 'boolean' ? flag(help) : text({ metavar: 'X', help });
  }
  return out;
};

/**
 * The data options of `pipeline` from the parsed options (absent ones left out); an option of
 * another pipeline only is a usage error.
 */
export const dataOptionValues = (
  pipeline: PipelineDefinition,
  values: Readonly<Record<string, unknown>>,
  given: ReadonlySet<string>,
  rename: Readonly<Record<string, string>> = {},
): E.Either<UsageError, Record<string, DataOptionValue>> => {
  const out: Record<string, DataOptionValue> = {};
  for (const [opt, d] of Object.entries(pipeline.dataOptions)) {
    const v = values[rename[opt] ?? opt];
    if (d.type === 'boolean' ? v === true : typeof v === 'string') out[opt] = v as DataOptionValue;
  }
  for (const name of dataOptionNames()) {
    const as = rename[name] ?? name;
    if (!(name in pipeline.dataOptions) && given.has(as)) return E.left(usageError(`--${as} does not apply to pipeline ${pipeline.name}`));
  }
  return E.right(out);
};
