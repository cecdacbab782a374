import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { buildModel, loadModel, saveModel } from '../../src/model/index.js';
import { binaryTask, multiClassTask } from '../../src/tasks.js';

/** Serve a folder over HTTP on the loopback address, as a web server would serve a model to a browser. */
const serve = (root: string): Promise<{ server: Server; url: string }> =>
  new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      try {
        const path = normalize(join(root, decodeURIComponent((req.url ?? '/').split('?')[0])));
        const body = await readFile(path);
        res.writeHead(200, { 'content-type': extname(path) === '.json' ? 'application/json' : 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });

test('a saved model loads with plain tf.loadLayersModel over HTTP (the browser path) and predicts the same', async (t) => {
  await tf.setBackend('cpu');
  const tasks = [binaryTask('smiling'), multiClassTask('age', ['young', 'teen', 'adult', 'old']), binaryTask('hat')];
  const built = await buildModel({ backbone: 'small-cnn', inputShape: [16, 12, 3], tasks, seed: 4 });
  if (E.isLeft(built)) return t.fail(JSON.stringify(built.left));
  const dir = join(mkdtempSync(join(tmpdir(), 'awmtl-browser-')), 'model');
  const saved = await saveModel(built.right, dir, { backbone: 'small-cnn', inputShape: [16, 12, 3], tasks });
  t.true(E.isRight(saved));
  const { server, url } = await serve(dir);
  try {
    // No awmtl code on this path: tfjs's own HTTP loader, as in a web page.
    const web = await tf.loadLayersModel(`${url}/model.json`);
    const ours = await loadModel(dir);
    if (E.isLeft(ours)) return t.fail();
    const x = tf.randomUniform([2, 16, 12, 3], -1, 1, 'float32', 7);
    const a = web.predict(x) as tf.Tensor;
    const b = ours.right.model.predict(x) as tf.Tensor;
    const c = built.right.predict(x) as tf.Tensor;
    t.deepEqual(a.shape, [2, 6]);
    t.deepEqual(Array.from(await a.data()), Array.from(await c.data()));
    t.deepEqual(Array.from(await b.data()), Array.from(await c.data()));
    tf.dispose([x, a, b, c]);
    web.dispose();
    ours.right.model.dispose();
    built.right.dispose();
  } finally {
    server.close();
  }
});
