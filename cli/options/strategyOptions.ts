/** The weighting strategies' parameters as options (--k, --min-weight, ...), from each StrategyDefinition's paramsHelp. */
import { findStrategy, strategyNames } from '../../src/weighting/index.js';
import { type Option, text } from './optionTable.js';

/** Every parameter name of every registered strategy, in registry order, less `except`. */
export const strategyParamNames = (except: readonly string[] = []): string[] => {
  const names = new Set<string>();
  for (const s of strategyNames()) for (const p of Object.keys(findStrategy(s)?.paramsHelp ?? {})) if (!except.includes(p)) names.add(p);
  return [...names];
};

/** One option per parameter name; its help has a `[strategy] help` line for each strategy that takes it. */
export const strategyOptions = (except: readonly string[] = []): Record<string, Option<string | undefined>> =>
  Object.fromEntries(
    strategyParamNames(except).map((p) => {
      const lines = strategyNames().flatMap((s) => {
        const help = findStrategy(s)?.paramsHelp[p];
        return help === undefined ? [] : [`[${s}] ${help}`];
      });
      return [p, text({ metavar: 'X', help: lines.join('\n') })];
    }),
  );

/** The strategy parameters given on the command line (their text; the strategy parses them). */
export const givenStrategyParams = (raw: Readonly<Record<string, string | true>>, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.flatMap((p) => (typeof raw[p] === 'string' ? [[p, raw[p] as string]] : [])));
