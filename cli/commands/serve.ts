/**
 * `awmtl serve --model DIR` (a page that runs the model in the browser) and
 * `awmtl serve --run DIR` (the live dashboard of a run).
 */
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { META_JSON } from '../../src/model/index.js';
import { DEFAULT_PORT, hostOption } from '../options/dashboardOptions.js';
import { type CommandSpec, integer, type OptionTable, type Parsed, text } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { startServer } from '../serve/server.js';
import { resolveModelDir } from './modelDir.js';

export { DEFAULT_PORT };

export const serveSpec = () =>
  ({
    name: 'serve',
    synopsis: ['serve --model DIR [--images DIR] [--port P] [--host H]', 'serve --run DIR [--port P] [--host H]'],
    options: {
      model: text({
        metavar: 'DIR',
        help:
          'a page that runs the model of DIR (a run folder or its model/) in the browser,\n' +
          'with TensorFlow.js (WebGPU, WebGL or wasm): drop or pick images, or use the\n' +
          'camera; /?image=URL runs it on a same-origin image at load',
      }),
      images: text({ metavar: 'DIR', help: 'serve the images of DIR at /images/NAME (e.g. /?image=/images/000001.jpg)' }),
      run: text({
        metavar: 'DIR',
        help:
          'the live dashboard of a run folder, training or finished: progress, loss and\n' +
          "weight curves, evaluations, the strategy's decisions (events at GET /events)",
      }),
      port: integer({ metavar: 'P', min: 0, max: 65535, expectation: 'a port number (0 to 65535)', default: DEFAULT_PORT, help: '0 picks a free one' }),
      host: hostOption(),
    },
  }) satisfies CommandSpec<OptionTable>;

export const serveCommand = async (argv: readonly string[]): Promise<number> => runCommand(serveSpec(), argv, serve);

const serve = async ({ values: v }: Parsed<ReturnType<typeof serveSpec>['options']>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('serve', message, code);
  const { model, run, images } = v;
  if ((model === undefined) === (run === undefined)) return fail('give --model DIR or --run DIR (one of them)');
  if (images !== undefined && model === undefined) return fail('--images goes with --model');
  const port = v.port;
  const host = v.host ?? '127.0.0.1';
  const isDir = (dir: string): boolean => existsSync(dir) && statSync(dir).isDirectory();
  let modelDir: string | undefined;
  if (model !== undefined) {
    modelDir = resolveModelDir(model);
    if (!existsSync(join(modelDir, META_JSON))) return fail(`${model}: not an awmtl model (no ${META_JSON} in it or in its model/)`, EXIT_FAILURE);
  }
  if (images !== undefined && !isDir(images)) return fail(`--images ${images}: not a folder`, EXIT_FAILURE);
  if (run !== undefined && !isDir(run)) return fail(`--run ${run}: not a folder`, EXIT_FAILURE);
  let server;
  try {
    server = await startServer({
      host,
      port: port,
      ...(modelDir === undefined ? {} : { model: modelDir }),
      ...(images === undefined ? {} : { images }),
      ...(run === undefined ? {} : { run }),
    });
  } catch (error) {
    return fail(`cannot serve on ${host}:${port}: ${(error as Error).message}`, EXIT_FAILURE);
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
