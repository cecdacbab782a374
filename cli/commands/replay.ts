/**
 * `awmtl replay --strategy vlt --k K [--min-weight W] FILE|-`
 *
 * Replays a strategy's weight updates on a recorded loss log, without
 * training: one JSON line per update point, `{"iteration": t, "weights": [...]}`
 * or `{"iteration": t, "skipped": "<reason>"}`. Useful to tune k on a logged run.
 */
import { reportFailure } from '../fail.js';
import { type CommandSpec, dynamic, type OptionTable, parseOptions, text, usageError, type UsageError, usageText } from '../options/optionTable.js';
import { givenStrategyParams, strategyOptions, strategyParamNames } from '../options/strategyOptions.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, lastValueFrom, map, type Observable, tap } from 'rxjs';
import { weightUpdates } from '../../operators/weightUpdates.js';
import { type LineError, parseLossLine, seriesOf } from '../../src/log/lossLine.js';
import {
  createStrategy,
  formatParamError,
  strategyNames,
  type StrategyParams,
  type WeightDecision,
  type WeightingStrategy,
} from '../../src/weighting/index.js';

export const replaySpec = () =>
  ({
    name: 'replay',
    synopsis: ['replay [--strategy NAME] [strategy options] FILE|-'],
    description:
      'Replays weight updates on a loss log (one iteration per line: a JSON array of per-task\n' +
      'losses, or an object with valLoss / trainLoss arrays, as in a training log.jsonl).\n' +
      'Prints one JSON line per update point: {"iteration": t, "weights": [...]} or\n' +
      '{"iteration": t, "skipped": "reason"}. Iterations are counted from 1. FILE - reads stdin.',
    options: {
      strategy: text({ metavar: 'NAME', default: 'vlt', help: strategyNames().join(', ') }),
      ...dynamic(strategyOptions()),
    },
    positionals: { metavar: 'FILE|-', min: 1, max: 1 },
  }) satisfies CommandSpec<OptionTable>;

export const replayUsage = (): string => usageText(replaySpec());

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

/** Parse replay's arguments into a configured strategy and an input path. */
export const parseReplayArgs = (
  argv: readonly string[],
): E.Either<ReplayError, { strategy: WeightingStrategy; input: string } | 'help'> => {
  const parsed = parseOptions(replaySpec(), argv);
  if (E.isLeft(parsed) || parsed.right === 'help') return parsed as E.Either<UsageError, 'help'>;
  const name = parsed.right.values.strategy;
  const strategy = createStrategy(name, givenStrategyParams(parsed.right.raw, strategyParamNames()) as StrategyParams);
  if (E.isLeft(strategy)) return E.left(usageError(formatParamError(strategy.left)));
  if (strategy.right.inGraph !== undefined) {
    return E.left(
      usageError(`strategy ${name} learns its weights inside the training step (from gradients), so a loss log cannot replay it; its weights are in the log's weights field`),
    );
  }
  return E.right({ strategy: strategy.right, input: parsed.right.positionals[0] });
};

/** CLI entry: returns the process exit code. */
export const replayCommand = async (argv: readonly string[]): Promise<number> => {
  const args = parseReplayArgs(argv);
  if (E.isLeft(args)) {
    return reportFailure('replay', formatReplayError(args.left), 2);
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
    return reportFailure('replay', `cannot read ${input}: ${opened.message}`, 1);
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const result = await replayLines(lines, strategy, input === '-' ? '<stdin>' : input, (line) => {
    process.stdout.write(`${line}\n`);
  });
  if (E.isLeft(result)) {
    return reportFailure('replay', formatReplayError(result.left), 1);
  }
  return 0;
};
