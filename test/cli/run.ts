import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/awmtl.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real `awmtl` executable (as a user would) and capture its output. */
export const runCli = (
  args: readonly string[],
  input?: string,
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 300_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });

let queue: Promise<unknown> = Promise.resolve();

/**
 * Run an `awmtl` command in this process (the command function with argv, as cli/main.ts calls
 * it), capturing what it writes to stdout and stderr. For usage errors, exit codes and messages;
 * what is about the process itself (signals, start-up, the bin) goes through runCli. Runs one
 * at a time (the streams are this process's), with `env` set for the while.
 */
export const runInProcess = (args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> => {
  const run = async (): Promise<CliResult> => {
    const { commands } = await import('../../cli/commandTable.js');
    const [name, ...rest] = args;
    const command = commands[name];
    if (command === undefined) throw new Error(`no command ${name}`);
    const runCommand = await command.load();
    let stdout = '';
    let stderr = '';
    const writes = { out: process.stdout.write, err: process.stderr.write };
    const saved = new Map(Object.keys(options.env ?? {}).map((k) => [k, process.env[k]]));
    const capture = (add: (s: string) => void) =>
      ((chunk: string | Uint8Array, ...more: unknown[]) => {
        add(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        const done = more.find((m) => typeof m === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = capture((s) => (stdout += s));
    process.stderr.write = capture((s) => (stderr += s));
    for (const [k, v] of Object.entries(options.env ?? {})) process.env[k] = v;
    try {
      const code = await runCommand(rest);
      return { code, stdout, stderr };
    } finally {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
};
