/**
 * The page of `awmtl serve --model DIR`: runs the model in the browser on the
 * user's images (dropped, picked, or from the camera) and draws each task's
 * probability as a bar.
 *
 * Everything between the decoded pixels and the numbers is the Node code:
 * awmtl.json is read by src/model/meta.ts, the image is cropped, resized and
 * normalised by src/data/image/preprocess.ts, the logits become probabilities
 * in src/model/probabilities.ts, the same calls as `awmtl predict`.
 *
 * Hooks for tests and scripts: `data-status` on <html> (loading, ready,
 * running, done, error), `data-backend`, and per task an element with
 * `data-task`, `data-probability` (the number `awmtl predict --json` prints)
 * and `data-class`. `window.awmtl.predictPixels` runs the model on given
 * decoded pixels.
 */
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import type { RawImage } from '../src/data/image/decode.js';
import { denormalise, NORMALISE_HALF } from '../src/data/image/normalise.js';
import { type ImageOptions, preprocessDecodedInto } from '../src/data/image/preprocess.js';
import { decodeMeta, imageOptionsOf, type ModelMeta } from '../src/model/meta.js';
import { predictionJson, type TaskPredictionJson, type TaskProbability, taskProbabilities } from '../src/model/probabilities.js';
import { chooseBackend } from './backend.js';
import { decodeBlob, decodeVideoFrame } from './decode.js';

interface Loaded {
  readonly model: tf.LayersModel;
  readonly meta: ModelMeta;
  readonly image: ImageOptions;
}

export interface PagePrediction {
  readonly image: string;
  readonly tasks: Record<string, TaskPredictionJson>;
}

const root = document.documentElement;
const query = new URLSearchParams(location.search);
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const setStatus = (status: string, detail?: string): void => {
  root.dataset.status = status;
  $('status').textContent = detail ?? status;
};

/** Lets the server end the held load event (see the hold route of cli/serve/server.ts) once the page is drawn. */
const release = (): void => {
  const id = root.dataset.hold;
  if (id !== undefined && id !== '') void fetch(`/release?id=${encodeURIComponent(id)}`, { method: 'POST' }).catch(() => undefined);
};

const el = (tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

const bar = (p: number): HTMLElement => {
  const outer = el('span', { class: 'bar' });
  outer.append(el('span', { style: `width:${(p * 100).toFixed(1)}%` }));
  return outer;
};

const load = async (): Promise<Loaded> => {
  const response = await fetch('/model/awmtl.json');
  if (!response.ok) throw new Error(`/model/awmtl.json: HTTP ${response.status}`);
  const meta = decodeMeta(await response.text());
  if (E.isLeft(meta)) throw new Error(`awmtl.json: ${meta.left}`);
  const model = await tf.loadLayersModel('/model/model.json');
  return { model, meta: meta.right, image: imageOptionsOf(meta.right) };
};

/** Model input of one decoded image: the shared preprocessing, then the logits as probabilities. */
const predictRaw = async (loaded: Loaded, raw: RawImage, name: string): Promise<{ probs: TaskProbability[]; input: Float32Array }> => {
  const { height, width } = loaded.image;
  const input = new Float32Array(height * width * 3);
  const done = preprocessDecodedInto(raw, name, input, 0, loaded.image);
  if (E.isLeft(done)) throw new Error(done.left.message);
  const logits = tf.tidy(() => loaded.model.predict(tf.tensor4d(input, [1, height, width, 3])) as tf.Tensor);
  try {
    return { probs: taskProbabilities(await logits.data(), 0, loaded.meta.tasks), input };
  } finally {
    logits.dispose();
  }
};

/** What the model sees: its input, back to bytes, drawn 2x. */
const inputPreview = (input: Float32Array, image: ImageOptions): HTMLCanvasElement => {
  const { height, width } = image;
  const norm = image.normalisation ?? NORMALISE_HALF;
  const canvas = el('canvas', { width: String(width), height: String(height), class: 'input', title: 'the model input (after crop and resize)' }) as HTMLCanvasElement;
  const context = canvas.getContext('2d');
  if (context === null) return canvas;
  const pixels = context.createImageData(width, height);
  for (let i = 0; i < height * width; i++) {
    for (let c = 0; c < 3; c++) pixels.data[i * 4 + c] = denormalise(input[i * 3 + c], c, norm);
    pixels.data[i * 4 + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
  return canvas;
};

const drawResult = (name: string, probs: readonly TaskProbability[], input: Float32Array, image: ImageOptions): void => {
  const json = predictionJson(probs);
  const card = el('article', { class: 'result', 'data-image': name });
  const head = el('header');
  head.append(inputPreview(input, image), el('h2', {}, name));
  card.append(head);
  const list = el('div', { class: 'tasks' });
  for (const p of probs) {
    const j = json[p.task];
    const row = el('div', { class: `task ${p.kind}`, 'data-task': p.task, 'data-probability': String(j.probability), 'data-class': j.class });
    row.append(el('span', { class: 'name' }, p.task), bar(j.probability), el('span', { class: 'value' }, `${j.probability.toFixed(3)} ${j.class}`));
    if (p.kind === 'multiclass') {
      const classes = el('div', { class: 'classes' });
      for (const c of p.classes) {
        const line = el('div', { class: `class${c.name === j.class ? ' top' : ''}`, 'data-class-name': c.name });
        line.append(el('span', { class: 'name' }, c.name), bar(c.probability), el('span', { class: 'value' }, c.probability.toFixed(3)));
        classes.append(line);
      }
      row.append(classes);
    }
    list.append(row);
  }
  card.append(list);
  $('results').prepend(card);
};

const main = async (): Promise<void> => {
  setStatus('loading', 'loading the model…');
  const backend = await chooseBackend(query.get('backend'), '/wasm/');
  root.dataset.backend = backend.name;
  $('backend').textContent = `TensorFlow.js ${tf.version.tfjs}, backend ${backend.name}`;
  if (backend.skipped.length > 0) $('backend').title = `passed over: ${backend.skipped.join('; ')}`;
  const loaded = await load();
  const { meta, image } = loaded;
  $('model').textContent = `${meta.backbone}, ${meta.inputShape[0]}x${meta.inputShape[1]} input, ${meta.tasks.length} tasks`;

  let queue = Promise.resolve();
  /** Runs images one after the other; the status is done when the last one is drawn. */
  const run = (name: string, raw: () => Promise<RawImage> | RawImage): Promise<PagePrediction> => {
    const job = queue.then(async () => {
      setStatus('running', `running the model on ${name}…`);
      const { probs, input } = await predictRaw(loaded, await raw(), name);
      drawResult(name, probs, input, image);
      setStatus('done', `${name}: done`);
      return { image: name, tasks: predictionJson(probs) };
    });
    queue = job.then(
      () => undefined,
      (error: unknown) => {
        root.dataset.error = (error as Error).message;
        setStatus('error', `${name}: ${(error as Error).message}`);
      },
    );
    return job;
  };
  const runFiles = (files: FileList | null): void => {
    for (const file of Array.from(files ?? [])) void run(file.name, () => decodeBlob(file)).catch(() => undefined);
  };

  const picker = $<HTMLInputElement>('files');
  picker.addEventListener('change', () => runFiles(picker.files));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    runFiles(e.dataTransfer?.files ?? null);
  });
  const video = $<HTMLVideoElement>('video');
  $('camera').addEventListener('click', async () => {
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
      await video.play();
      video.hidden = false;
      $('snap').hidden = false;
    } catch (error) {
      setStatus('ready', `camera: ${(error as Error).message}`);
    }
  });
  $('snap').addEventListener('click', () => void run(`camera ${new Date().toLocaleTimeString()}`, () => decodeVideoFrame(video)).catch(() => undefined));

  (window as unknown as { awmtl: unknown }).awmtl = {
    backend: backend.name,
    /** Runs the model on decoded pixels (row-major, 3 or 4 channels), as `awmtl predict` does after jimp. */
    predictPixels: (data: ArrayLike<number>, width: number, height: number, channels: 3 | 4, name = 'pixels') =>
      run(name, () => ({ data: Uint8Array.from(data), width, height, channels })),
    /** Fetches, decodes (with the browser's decoder) and runs one image URL. */
    predictUrl: (url: string) => run(url, async () => decodeBlob(await (await fetch(url)).blob())),
  };
  setStatus('ready', 'drop images, pick files or use the camera');
  const url = query.get('image');
  if (url !== null) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const blob = await response.blob();
    await run(url, () => decodeBlob(blob));
  }
};

main()
  .catch((error: unknown) => {
    root.dataset.error = (error as Error).message;
    setStatus('error', (error as Error).message);
  })
  .finally(release);
