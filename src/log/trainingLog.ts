/**
 * The training log: one JSON line per iteration,
 *   {"iteration": t, "trainLoss": [...], "valLoss": [...], "weights": [...], "seconds": s,
 *    "decision": {"weights": [...]} | {"skipped": "reason"}}     (decision only at update points)
 * `weights` are the weights used at iteration t. `awmtl replay` reads this file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import type { StepRecord } from '../train/step.js';
import type { WeightDecision } from '../weighting/strategy.js';
import { type LineError, parseLossLine } from './lossLine.js';

export interface LogRecord extends StepRecord {
  readonly decision?: WeightDecision;
}

export const formatLogLine = (record: LogRecord): string => {
  const line: Record<string, unknown> = {
    iteration: record.iteration,
    trainLoss: record.trainLoss,
    valLoss: record.valLoss,
    weights: record.weights,
    seconds: Number(record.seconds.toFixed(6)),
  };
  if (record.decision !== undefined) {
    line.decision =
      record.decision._tag === 'Updated' ? { weights: record.decision.weights } : { skipped: record.decision.reason };
  }
  return JSON.stringify(line);
};

/** Appends log lines; `sync()` makes everything written so far durable (called before a checkpoint). */
export class TrainingLogWriter {
  private fd: number;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Start a new log (truncating any file there). */
  static create(path: string): TrainingLogWriter {
    return new TrainingLogWriter(path, openSync(path, 'w'));
  }

  /** Continue a log after rewriting it to its first `lines` lines (resume). */
  static continueAfter(path: string, text: string): TrainingLogWriter {
    const fd = openSync(path, 'w');
    if (text.length > 0) writeSync(fd, text);
    return new TrainingLogWriter(path, fd);
  }

  append(record: LogRecord): void {
    writeSync(this.fd, `${formatLogLine(record)}\n`);
  }

  sync(): void {
    if (this.fd >= 0) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

export type LogReadError = LineError & { readonly file: string };

const arrayOf = (value: unknown): readonly number[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;

/**
 * Read a training log's first `upTo` iterations (all when absent), checking
 * that iterations run 1, 2, 3, ... without gaps. Returns the records and the
 * exact text of those lines (to rewrite the file when resuming).
 */
export const readTrainingLog = (
  path: string,
  upTo = Infinity,
): E.Either<LogReadError, { readonly records: LogRecord[]; readonly text: string }> => {
  if (!existsSync(path)) return E.left({ _tag: 'LineError', file: path, line: 0, message: 'file not found' });
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: LogRecord[] = [];
  let text = '';
  for (let i = 0; i < lines.length && records.length < upTo; i++) {
    const raw = lines[i];
    if (raw.trim() === '') {
      // A torn last line (killed mid-write) or the final newline.
      if (i >= lines.length - 2) break;
      return E.left({ _tag: 'LineError', file: path, line: i + 1, message: 'empty line' });
    }
    const parsed = parseLossLine(raw, i + 1);
    if (E.isLeft(parsed)) {
      if (i === lines.length - 1) break; // torn final line without newline
      return E.left({ ...parsed.left, file: path });
    }
    const obj = JSON.parse(raw) as Record<string, unknown>;
    const trainLoss = arrayOf(obj.trainLoss);
    const valLoss = arrayOf(obj.valLoss);
    const weights = arrayOf(obj.weights);
    if (trainLoss === undefined || valLoss === undefined || weights === undefined) {
      return E.left({ _tag: 'LineError', file: path, line: i + 1, message: 'a training log line needs trainLoss, valLoss and weights arrays' });
    }
    if (obj.iteration !== records.length + 1) {
      return E.left({
        _tag: 'LineError',
        file: path,
        line: i + 1,
        message: `expected iteration ${records.length + 1}, found ${JSON.stringify(obj.iteration)}`,
      });
    }
    const d = obj.decision as { weights?: unknown; skipped?: unknown } | undefined;
    const decisionWeights = d === undefined ? undefined : arrayOf(d.weights);
    const decision: WeightDecision | undefined =
      d === undefined
        ? undefined
        : decisionWeights !== undefined
          ? { _tag: 'Updated', iteration: records.length + 1, weights: decisionWeights }
          : { _tag: 'Skipped', iteration: records.length + 1, reason: String(d.skipped), weights: weights };
    records.push({
      iteration: records.length + 1,
      trainLoss,
      valLoss,
      weights,
      seconds: typeof obj.seconds === 'number' ? obj.seconds : 0,
      ...(decision === undefined ? {} : { decision }),
    });
    text += `${raw}\n`;
  }
  return E.right({ records, text });
};
