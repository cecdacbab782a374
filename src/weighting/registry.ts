/** Weighting strategies by name. A new strategy is one file plus one line here. */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { dwa } from './dwa.js';
import { ew } from './ew.js';
import { famo } from './famo.js';
import { gradnorm } from './gradnorm.js';
import { paramError } from './params.js';
import type { StrategyDefinition, StrategyParamError, StrategyParams, WeightingStrategy } from './strategy.js';
import { rlw } from './rlw.js';
import { uw } from './uw.js';
import { vlt } from './vlt-strategy.js';

const definitions: readonly StrategyDefinition[] = [vlt, ew, dwa, uw, rlw, gradnorm, famo];

export const strategyNames = (): string[] => definitions.map((d) => d.name);

export const findStrategy = (name: string): StrategyDefinition | undefined => definitions.find((d) => d.name === name);

/** Look a strategy up by name and configure it; unknown names list the known ones. */
export const createStrategy = (name: string, params: StrategyParams = {}): E.Either<StrategyParamError, WeightingStrategy> =>
  pipe(
    E.fromNullable(paramError(name, 'strategy', `unknown strategy "${name}" (known: ${strategyNames().join(', ')})`))(
      findStrategy(name),
    ),
    E.chain((definition) => definition.create(params)),
  );

export const formatParamError = (error: StrategyParamError): string =>
  error.param === 'strategy' ? error.message : `strategy ${error.strategy}: ${error.message}`;
