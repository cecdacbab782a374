/**
 * Learning-rate schedules as pure functions of the iteration: the rate of
 * iteration t (counted from 1) of a run of T iterations, from the optimiser's
 * base rate. Being pure, a resumed run gets the rate it would have had.
 *
 *   constant:  lr(t) = base
 *   cosine:    linear warm-up over the first `warmup` iterations
 *              (lr = base * t / warmup), then
 *              lr(t) = base * (f + (1 - f) * (1 + cos(pi * p)) / 2),
 *              p = (t - warmup - 1) / max(1, T - warmup - 1), f = finalFraction
 *   step:      lr(t) = base * gamma ^ floor((t - 1) / every)
 */
import * as E from 'fp-ts/lib/Either.js';

export type LearningRateSchedule =
  | { readonly name: 'constant' }
  | { readonly name: 'cosine'; readonly warmup: number; readonly finalFraction: number }
  | { readonly name: 'step'; readonly every: number; readonly gamma: number };

export const SCHEDULE_NAMES = ['constant', 'cosine', 'step'] as const;

export const CONSTANT_SCHEDULE: LearningRateSchedule = { name: 'constant' };
export const COSINE_DEFAULTS = { warmup: 0, finalFraction: 0.01 } as const;
export const STEP_DEFAULTS = { gamma: 0.1 } as const;

/** The rate of iteration `t` (1-based) of a run of `total` iterations. */
export const learningRateAt = (schedule: LearningRateSchedule, base: number, t: number, total: number): number => {
  switch (schedule.name) {
    case 'constant':
      return base;
    case 'cosine': {
      if (t <= schedule.warmup) return (base * t) / schedule.warmup;
      const p = Math.min(1, (t - schedule.warmup - 1) / Math.max(1, total - schedule.warmup - 1));
      const f = schedule.finalFraction;
      return base * (f + ((1 - f) * (1 + Math.cos(Math.PI * p))) / 2);
    }
    case 'step':
      return base * schedule.gamma ** Math.floor((t - 1) / schedule.every);
  }
};

export interface ScheduleError {
  readonly _tag: 'BadSchedule';
  /** The field path, e.g. 'lrSchedule.warmup'. */
  readonly field: string;
  readonly message: string;
}

const bad = (field: string, message: string): E.Either<ScheduleError, never> => E.left({ _tag: 'BadSchedule', field: `lrSchedule.${field}`, message });

/** Checks a schedule against the run's length (a config read from JSON may hold anything). */
export const checkSchedule = (schedule: LearningRateSchedule, iterations: number): E.Either<ScheduleError, LearningRateSchedule> => {
  switch (schedule.name) {
    case 'constant':
      return E.right(schedule);
    case 'cosine':
      if (!Number.isInteger(schedule.warmup) || schedule.warmup < 0 || schedule.warmup >= iterations) {
        return bad('warmup', `expected an integer in [0, ${iterations - 1}] (below the run's ${iterations} iterations), got ${schedule.warmup}`);
      }
      if (!(schedule.finalFraction >= 0 && schedule.finalFraction <= 1)) return bad('finalFraction', `expected a number in [0, 1], got ${schedule.finalFraction}`);
      return E.right(schedule);
    case 'step':
      if (!Number.isInteger(schedule.every) || schedule.every < 1) return bad('every', `expected a positive integer, got ${schedule.every}`);
      if (!(schedule.gamma > 0 && schedule.gamma <= 1)) return bad('gamma', `expected a number in (0, 1], got ${schedule.gamma}`);
      return E.right(schedule);
    default:
      return bad('name', `expected one of ${SCHEDULE_NAMES.join(', ')}, got ${JSON.stringify((schedule as { name: unknown }).name)}`);
  }
};
