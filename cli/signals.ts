/**
 * Stop signals for long commands (train, compare): the first SIGINT or
 * SIGTERM asks the run to stop after its current step, with a checkpoint; a
 * second one exits at once. The exit code is 128 + the signal's number
 * (130 for SIGINT, 143 for SIGTERM), as shells report it.
 */
const CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof CODES;

export interface StopSignals {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal;
  /** The exit code of the signal received, undefined before one. */
  exitCode(): number | undefined;
  /** Removes the handlers. */
  dispose(): void;
}

export const listenForStop = (say: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): StopSignals => {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handlers = new Map<StopSignal, () => void>();
  for (const name of Object.keys(CODES) as StopSignal[]) {
    const handler = (): void => {
      if (received !== undefined) {
        say(`awmtl: ${name} again: exiting now`);
        process.exit(CODES[name]);
      }
      received = name;
      say(`awmtl: ${name}: stopping after the current step with a checkpoint (${name === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again exits at once)`);
      controller.abort(name);
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    exitCode: () => (received === undefined ? undefined : CODES[received]),
    dispose: () => {
      for (const [name, handler] of handlers) process.removeListener(name, handler);
    },
  };
};
