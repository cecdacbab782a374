/** How a run talks to its user (progress lines, messages); the CLI prints, tests collect or stay silent. */
export interface ProgressLike {
  update(done: number, fields?: readonly string[]): void;
  done(done: number, fields?: readonly string[]): void;
  log(message: string): void;
}

/** How a run talks to its user: the CLI prints, tests collect or stay silent. */
export interface RunUi {
  info(message: string): void;
  progress(label: string, total: number): ProgressLike;
}

export const silentUi: RunUi = {
  info: () => undefined,
  progress: () => ({ update: () => undefined, done: () => undefined, log: () => undefined }),
};

