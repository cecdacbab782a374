/** Parameter parsing shared by strategies: each strategy still validates its own ranges. */
import * as E from 'fp-ts/lib/Either.js';
import type { StrategyParamError, StrategyParams } from './strategy.js';

export const paramError = (strategy: string, param: string, message: string): StrategyParamError => ({
  _tag: 'StrategyParamError',
  strategy,
  param,
  message,
});

/** Reject parameters the strategy does not know (a typo must not be silently ignored). */
export const rejectUnknown = (
  strategy: string,
  params: StrategyParams,
  known: readonly string[],
): E.Either<StrategyParamError, void> => {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (!known.includes(name)) {
      const list = known.length > 0 ? known.join(', ') : 'none';
      return E.left(paramError(strategy, name, `unknown parameter for strategy ${strategy} (accepted: ${list})`));
    }
  }
  return E.right(undefined);
};

/** A number parameter, with a default when absent and a predicate for its range. */
export const numberParam = (
  strategy: string,
  params: StrategyParams,
  name: string,
  fallback: number | undefined,
  check: (x: number) => boolean,
  expectation: string,
): E.Either<StrategyParamError, number | undefined> => {
  const raw = params[name];
  if (raw === undefined) return E.right(fallback);
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value) || !check(value)) {
    return E.left(paramError(strategy, name, `${name} must be ${expectation}, got ${JSON.stringify(raw)}`));
  }
  return E.right(value);
};

export const isPositiveInteger = (x: number): boolean => Number.isInteger(x) && x >= 1;
