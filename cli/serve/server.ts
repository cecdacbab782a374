/**
 * The HTTP server of `awmtl serve` and `awmtl train --dashboard`: one page and
 * its bundled script, the files that page needs, nothing else. Every script is
 * served from here (no CDN), and a path never leaves the folders it was given.
 *
 * Routes:
 * - `/` the page, `/app.js` its bundle (built at start, see bundle.ts);
 * - with a model: `/model/NAME` (model.json, its weight files, awmtl.json),
 *   `/wasm/NAME.wasm` (TensorFlow.js's wasm backend), `/images/PATH` (--images DIR);
 * - with a run: `/events`, the run's events as Server-Sent Events (runFeed.ts);
 * - `/hold` and `/release`: with `?image=`, the page's load event waits on an
 *   image that is answered once the predictions are drawn, so that a plain
 *   `chromium --headless --dump-dom URL` prints the finished page.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { bundlePage } from './bundle.js';
import { dashboardHtml, predictHtml } from './pages.js';
import { followRun } from './runFeed.js';

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** A model folder (holding awmtl.json): serve the predict page. */
  readonly model?: string;
  /** Images offered at /images/PATH. */
  readonly images?: string;
  /** A run folder: serve the live dashboard. */
  readonly run?: string;
  /** Task names of the run, when the caller knows them (train --dashboard). */
  readonly tasks?: readonly string[];
  /** Poll interval of the run's files, ms (default 250). */
  readonly pollMs?: number;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

/** A transparent 1x1 GIF: the answer to a held image. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The file `rel` inside `root`, or undefined when it would leave it or is not a file. */
const inside = (root: string, rel: string): string | undefined => {
  const path = resolve(root, rel);
  const r = relative(root, path);
  if (r === '' || r.startsWith('..') || r.split(sep).includes('..') || resolve(root, r) !== path) return undefined;
  return existsSync(path) && statSync(path).isFile() ? path : undefined;
};

const wasmFiles = (): Map<string, string> => {
  const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  return new Map(readdirSync(dist).filter((n) => n.endsWith('.wasm')).map((n) => [n, join(dist, n)]));
};

/** Starts the server; the page's bundle is built first, so a build error stops it here. */
export const startServer = async (options: ServeOptions): Promise<RunningServer> => {
  // The run folder's name when the model is its model/ folder.
  const modelDir = options.model === undefined ? undefined : resolve(options.model);
  const title = modelDir !== undefined ? (basename(modelDir) === 'model' ? basename(dirname(modelDir)) : basename(modelDir)) : basename(resolve(options.run ?? '.'));
  const script = await bundlePage(options.model !== undefined ? 'predictPage.ts' : 'dashboardPage.ts');
  const wasm = options.model !== undefined ? wasmFiles() : new Map<string, string>();
  const holds = new Map<string, { res?: ServerResponse; released: boolean; timer: NodeJS.Timeout }>();
  const streams = new Set<() => void>();

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const notFound = (res: ServerResponse): void => send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  const sendFile = async (res: ServerResponse, path: string | undefined): Promise<void> => {
    if (path === undefined) return notFound(res);
    send(res, 200, TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', await readFile(path));
  };
  const answerHold = (id: string): void => {
    const hold = holds.get(id);
    if (hold?.res !== undefined && !hold.res.writableEnded) send(hold.res, 200, 'image/gif', PIXEL);
    if (hold !== undefined) hold.res = undefined;
  };
  const newHold = (): string => {
    const id = randomUUID();
    // Answered after two minutes in any case, and forgotten after five.
    const timer = setTimeout(() => answerHold(id), 120_000);
    timer.unref();
    setTimeout(() => holds.delete(id), 300_000).unref();
    holds.set(id, { released: false, timer });
    return id;
  };

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    if (options.run === undefined) return notFound(res);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    const stopFeed = followRun(options.run, (event) => res.write(`data: ${JSON.stringify(event)}\n\n`), {
      ...(options.tasks === undefined ? {} : { tasks: options.tasks }),
      ...(options.pollMs === undefined ? {} : { intervalMs: options.pollMs }),
    });
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    beat.unref();
    const stop = (): void => {
      clearInterval(beat);
      stopFeed();
      streams.delete(stop);
      res.end();
    };
    streams.add(stop);
    req.on('close', stop);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    if (req.method === 'POST' && path === '/release') {
      const id = url.searchParams.get('id') ?? '';
      const hold = holds.get(id);
      if (hold !== undefined) {
        hold.released = true;
        clearTimeout(hold.timer);
        answerHold(id);
      }
      return send(res, 204, 'text/plain', '');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (path === '/') {
      if (options.model !== undefined) {
        const hold = url.searchParams.has('image') ? newHold() : undefined;
        return send(res, 200, TYPES['.html'], predictHtml(title, hold));
      }
      return send(res, 200, TYPES['.html'], dashboardHtml(options.run ?? title));
    }
    if (path === '/app.js') return send(res, 200, TYPES['.js'], script);
    if (path === '/events') return events(req, res);
    if (path === '/hold') {
      const id = url.searchParams.get('id') ?? '';
      const hold = holds.get(id);
      if (hold === undefined || hold.released) return send(res, 200, 'image/gif', PIXEL);
      hold.res = res;
      return;
    }
    if (options.model !== undefined && path.startsWith('/model/') && !path.slice(7).includes('/')) {
      return sendFile(res, inside(options.model, path.slice(7)));
    }
    if (path.startsWith('/wasm/')) return sendFile(res, wasm.get(path.slice(6)));
    if (options.images !== undefined && path.startsWith('/images/')) return sendFile(res, inside(options.images, path.slice(8)));
    if (path === '/favicon.ico') return send(res, 204, 'text/plain', '');
    return notFound(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${(error as Error).message}\n`);
      else res.end();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => {
      server.off('error', fail);
      done();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        for (const stop of [...streams]) stop();
        for (const id of holds.keys()) answerHold(id);
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
};
