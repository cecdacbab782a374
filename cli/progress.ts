/**
 * A progress bar for long work: iteration, it/s, ETA, and whatever short
 * fields the caller adds (losses, weight spread). On a terminal it redraws one
 * line; otherwise (CI, a log file) it prints a line at most every few seconds.
 */

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
};

export interface ProgressState {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  readonly elapsedSeconds: number;
  readonly fields?: readonly string[];
  readonly barWidth?: number;
}

/** One progress line (pure). */
export const formatProgress = (state: ProgressState): string => {
  const { done, total, elapsedSeconds } = state;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const width = state.barWidth ?? 20;
  const filled = Math.round(fraction * width);
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (fraction >= 1 ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const eta = rate > 0 ? (total - done) / rate : NaN;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const speed = rate >= 10 ? rate.toFixed(0) : rate.toFixed(2);
  const head = `${state.label} ${String(done).padStart(String(total).length)}/${total} ${bar} ${pct} ${speed} it/s ETA ${formatDuration(eta)}`;
  return [head, ...(state.fields ?? [])].join(' | ');
};

export class Progress {
  private lastPrint = -Infinity;
  private readonly started: number;
  private lastLine = '';
  private lastDone = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly now: () => number = () => performance.now() / 1000,
    private readonly intervalSeconds = 5,
  ) {
    this.started = now();
  }

  /** Report progress; prints when due (every call on a TTY, else every intervalSeconds). */
  update(done: number, fields: readonly string[] = [], force = false): void {
    const t = this.now();
    const tty = this.stream.isTTY === true;
    if (!force && !tty && t - this.lastPrint < this.intervalSeconds && done < this.total) return;
    if (!force && tty && t - this.lastPrint < 0.1 && done < this.total) return;
    this.lastPrint = t;
    this.lastDone = done;
    const line = formatProgress({ label: this.label, done, total: this.total, elapsedSeconds: t - this.started, fields });
    if (tty) {
      const columns = this.stream.columns ?? 120;
      const shown = line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
      this.stream.write(`\r${shown}${' '.repeat(Math.max(0, this.lastLine.length - shown.length))}`);
      this.lastLine = shown;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Final line; on a TTY ends the redrawn line. */
  done(done: number, fields: readonly string[] = []): void {
    if (this.lastDone !== done || this.stream.isTTY === true) this.update(done, fields, true);
    if (this.stream.isTTY === true) this.stream.write('\n');
  }

  /** Print a message without breaking the bar. */
  log(message: string): void {
    if (this.stream.isTTY === true && this.lastLine !== '') {
      this.stream.write(`\r${' '.repeat(this.lastLine.length)}\r${message}\n`);
      this.lastPrint = -Infinity;
    } else {
      this.stream.write(`${message}\n`);
    }
  }
}
