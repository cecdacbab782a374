/**
 * `awmtl serve --model DIR` (a page that runs the model in the browser) and
 * `awmtl serve --run DIR` (the live dashboard of a run).
 */
import { reportFailure } from '../fail.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { flagOption, isNonNegativeInteger, numberOption, parseCommandArgs, stringOption } from '../../src/cli/args.js';
import { META_JSON } from '../../src/model/index.js';
import { startServer } from '../serve/server.js';
import { resolveModelDir } from './modelDir.js';

export const DEFAULT_PORT = 8600;

const usage = `usage: awmtl serve --model DIR [--images DIR] [--port P] [--host H]
       awmtl serve --run DIR [--port P] [--host H]

--model DIR   a page that runs the model of DIR (a run folder or its model/) in the browser,
              with TensorFlow.js (WebGPU, WebGL or wasm): drop or pick images, or use the
              camera; /?image=URL runs it on a same-origin image at load
--images DIR  serve the images of DIR at /images/NAME (e.g. /?image=/images/000001.jpg)
--run DIR     the live dashboard of a run folder, training or finished: progress, loss and
              weight curves, evaluations, the strategy's decisions (events at GET /events)
--port P      default ${DEFAULT_PORT}; 0 picks a free one
--host H      the address to listen on (default 127.0.0.1: this machine only)`;

export const serveCommand = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseCommandArgs(argv, {
    model: { type: 'string' },
    run: { type: 'string' },
    images: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const fail = (message: string, code = 2): number => reportFailure('serve', message, code);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  if (flagOption(parsed.right, 'help')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const model = stringOption(parsed.right, 'model');
  const run = stringOption(parsed.right, 'run');
  const images = stringOption(parsed.right, 'images');
  if ((model === undefined) === (run === undefined)) return fail('give --model DIR or --run DIR (one of them)');
  if (images !== undefined && model === undefined) return fail('--images goes with --model');
  if (parsed.right.positionals.length > 0) return fail(`unexpected argument ${JSON.stringify(parsed.right.positionals[0])}`);
  const port = numberOption(parsed.right, 'port', DEFAULT_PORT, (p) => isNonNegativeInteger(p) && p <= 65535, 'a port number (0 to 65535)');
  if (E.isLeft(port)) return fail(port.left.message);
  const host = stringOption(parsed.right, 'host') ?? '127.0.0.1';
  const isDir = (dir: string): boolean => existsSync(dir) && statSync(dir).isDirectory();
  let modelDir: string | undefined;
  if (model !== undefined) {
    modelDir = resolveModelDir(model);
    if (!existsSync(join(modelDir, META_JSON))) return fail(`${model}: not an awmtl model (no ${META_JSON} in it or in its model/)`, 1);
  }
  if (images !== undefined && !isDir(images)) return fail(`--images ${images}: not a folder`, 1);
  if (run !== undefined && !isDir(run)) return fail(`--run ${run}: not a folder`, 1);
  let server;
  try {
    server = await startServer({
      host,
      port: port.right,
      ...(modelDir === undefined ? {} : { model: modelDir }),
      ...(images === undefined ? {} : { images }),
      ...(run === undefined ? {} : { run }),
    });
  } catch (error) {
    return fail(`cannot serve on ${host}:${port.right}: ${(error as Error).message}`, 1);
  }
  process.stdout.write(`awmtl serve: ${modelDir !== undefined ? `model ${modelDir}` : `dashboard of ${run}`} at ${server.url} (Ctrl-C stops)\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
};
