/**
 * `awmtl replay --strategy vlt --k K [--min-weight W] FILE|-`
 *
 * Replays a strategy's weight updates on a recorded loss log, without
 * training: one JSON line per update point, `{"iteration": t, "weights": [...]}`
 * or `{"iteration": t, "skipped": "<reason>"}`. Useful to tune k on a logged run.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, lastValueFrom, map, type Observable, tap } from 'rxjs';
import { weightUpdates } from '../../operators/weightUpdates.js';
import { type OptionSpec, parseCommandArgs, stringOption, usageError, type UsageError } from '../../src/cli/args.js';
import { type LineError, parseLossLine, seriesOf } from '../../src/log/lossLine.js';
import {
  createStrategy,
  findStrategy,
  formatParamError,
  strategyNames,
  type StrategyParams,
  type WeightDecision,
  type WeightingStrategy,
} from '../../src/weighting/index.js';

export const replayUsage = (): string => {
  const params = new Set<string>();
  for (const name of strategyNames()) for (const p of Object.keys(findStrategy(name)?.paramsHelp ?? {})) params.add(p);
  const lines = [
    'usage: awmtl replay [--strategy NAME] [strategy options] FILE|-',
    '',
    'Replays weight updates on a loss log (one iteration per line: a JSON array of per-task',
    'losses, or an object with valLoss / trainLoss arrays, as in a training log.jsonl).',
    'Prints one JSON line per update point: {"iteration": t, "weights": [...]} or',
    '{"iteration": t, "skipped": "reason"}. Iterations are counted from 1.',
    '',
    `  --strategy NAME   ${strategyNames().join(', ')} (default vlt)`,
  ];
  for (const name of strategyNames()) {
    const def = findStrategy(name);
    if (def === undefined) continue;
    for (const [param, help] of Object.entries(def.paramsHelp)) lines.push(`  --${param.padEnd(15)} [${name}] ${help}`);
  }
  return lines.join('\n');
};

/** Replay-level failure: bad usage, or a bad input line (with the file it came from). */
export type ReplayError = UsageError | (LineError & { readonly file: string });

export const formatReplayError = (error: ReplayError): string =>
  error._tag === 'UsageError' ? error.message : `${error.file} line ${error.line}: ${error.message}`;

class LineFailure extends Error {
  constructor(readonly detail: LineError) {
    super(detail.message);
  }
}

/** One line of replay output. */
export const formatDecision = (decision: WeightDecision): string =>
  decision._tag === 'Updated'
    ? JSON.stringify({ iteration: decision.iteration, weights: decision.weights })
    : JSON.stringify({ iteration: decision.iteration, skipped: decision.reason });

/**
 * Loss vectors from the lines of a log: checks each line and the task count,
 * numbering lines from 1. Blank lines at the end are ignored; a blank line
 * followed by more data is an error.
 */
export const lossVectors = (lines: Observable<string>, strategy: WeightingStrategy) => {
  let lineNo = 0;
  let width = -1;
  let firstBlank = 0;
  return lines.pipe(
    concatMap((text) => {
      lineNo += 1;
      if (text.trim() === '') {
        if (firstBlank === 0) firstBlank = lineNo;
        return [];
      }
      if (firstBlank !== 0) throw new LineFailure({ _tag: 'LineError', line: firstBlank, message: 'empty line' });
      const parsed = parseLossLine(text, lineNo);
      if (E.isLeft(parsed)) throw new LineFailure(parsed.left);
      const series = seriesOf(parsed.right, strategy.reads, lineNo);
      if (E.isLeft(series)) throw new LineFailure(series.left);
      const values = series.right;
      if (width < 0) width = values.length;
      if (values.length === 0) throw new LineFailure({ _tag: 'LineError', line: lineNo, message: 'no losses on this line' });
      if (values.length !== width) {
        throw new LineFailure({
          _tag: 'LineError',
          line: lineNo,
          message: `expected ${width} losses (as on the first line), got ${values.length}`,
        });
      }
      return [{ valLoss: values, trainLoss: values }];
    }),
  );
};

/** Runs a replay over lines, writing one output line per decision. */
export const replayLines = async (
  lines: AsyncIterable<string> | Iterable<string>,
  strategy: WeightingStrategy,
  file: string,
  write: (line: string) => void,
): Promise<E.Either<ReplayError, number>> => {
  let count = 0;
  try {
    await lastValueFrom(
      lossVectors(from(lines), strategy).pipe(
        weightUpdates(strategy),
        map(formatDecision),
        tap((line) => {
          count += 1;
          write(line);
        }),
      ),
      { defaultValue: undefined },
    );
    return E.right(count);
  } catch (error) {
    if (error instanceof LineFailure) return E.left({ ...error.detail, file });
    throw error;
  }
};

const options: OptionSpec = {
  strategy: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
for (const name of strategyNames()) {
  for (const param of Object.keys(findStrategy(name)?.paramsHelp ?? {})) options[param] = { type: 'string' };
}

/** Parse replay's arguments into a configured strategy and an input path. */
export const parseReplayArgs = (
  argv: readonly string[],
): E.Either<ReplayError, { strategy: WeightingStrategy; input: string } | 'help'> => {
  const parsed = parseCommandArgs(argv, options);
  if (E.isLeft(parsed)) return parsed;
  if (parsed.right.values.help === true) return E.right('help');
  const name = stringOption(parsed.right, 'strategy') ?? 'vlt';
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.right.values)) {
    if (key !== 'strategy' && key !== 'help' && typeof value === 'string') params[key] = value;
  }
  const strategy = createStrategy(name, params as StrategyParams);
  if (E.isLeft(strategy)) return E.left(usageError(formatParamError(strategy.left)));
  if (strategy.right.inGraph !== undefined) {
    return E.left(
      usageError(`strategy ${name} learns its weights inside the training step (from gradients), so a loss log cannot replay it; its weights are in the log's weights field`),
    );
  }
  const positionals = parsed.right.positionals;
  if (positionals.length !== 1) {
    return E.left(usageError(`expected one input FILE (or - for stdin), got ${positionals.length}`));
  }
  return E.right({ strategy: strategy.right, input: positionals[0] });
};

/** CLI entry: returns the process exit code. */
export const replayCommand = async (argv: readonly string[]): Promise<number> => {
  const args = parseReplayArgs(argv);
  if (E.isLeft(args)) {
    process.stderr.write(`awmtl replay: ${formatReplayError(args.left)}\n\n${replayUsage()}\n`);
    return 2;
  }
  if (args.right === 'help') {
    process.stdout.write(`${replayUsage()}\n`);
    return 0;
  }
  const { strategy, input } = args.right;
  const stream = input === '-' ? process.stdin : createReadStream(input);
  const opened = await new Promise<Error | undefined>((resolve) => {
    if (input === '-') return resolve(undefined);
    stream.once('open', () => resolve(undefined));
    stream.once('error', (error: Error) => resolve(error));
  });
  if (opened !== undefined) {
    process.stderr.write(`awmtl replay: cannot read ${input}: ${opened.message}\n`);
    return 1;
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const result = await replayLines(lines, strategy, input === '-' ? '<stdin>' : input, (line) => {
    process.stdout.write(`${line}\n`);
  });
  if (E.isLeft(result)) {
    process.stderr.write(`awmtl replay: ${formatReplayError(result.left)}\n`);
    return 1;
  }
  return 0;
};
