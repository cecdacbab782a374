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
import { vlt } from './vlt.js';

const BUILT_IN: readonly StrategyDefinition[] = [vlt, ew, dwa, uw, rlw, gradnorm, famo];
const definitions: StrategyDefinition[] = [...BUILT_IN];

/**
 * Adds a strategy written outside the package (against {@link StrategyDefinition});
 * from then on it is found by name everywhere a name is taken: `createStrategy`,
 * `runTraining`'s config, `replay` and `compare`. A built-in name cannot be replaced;
 * registering the same definition again is a no-op.
 */
export const registerStrategy = (definition: StrategyDefinition): E.Either<StrategyParamError, void> => {
  const known = definitions.find((d) => d.name === definition.name);
  if (known === definition) return E.right(undefined);
  if (known !== undefined) {
    return E.left(paramError(definition.name, 'strategy', `a strategy named "${definition.name}" is already registered`));
  }
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
    return E.left(paramError(definition.name, 'strategy', `strategy names are lower-case words (a-z, 0-9, -), got "${definition.name}"`));
  }
  definitions.push(definition);
  return E.right(undefined);
};

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
