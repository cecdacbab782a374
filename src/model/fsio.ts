/**
 * tfjs IO handlers over node:fs: read a layers model (model.json + weight shards) and write one
 * (model.json + weights.bin). tfjs's own `file://` handler lives in tfjs-node, which does not
 * install here.
 *
 * These handlers throw on failure, as tfjs expects of an IOHandler; {@link ./persist.js} turns
 * the failures into {@link ModelError} values.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Failure of a file-system IO handler, naming the file. */
export class ModelFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'malformed',
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'ModelFileError';
  }
}

const readOrThrow = async (path: string): Promise<Buffer> => {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelFileError(path, 'missing', 'no such file');
    throw new ModelFileError(path, 'malformed', `cannot read: ${(err as Error).message}`);
  }
};

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Parses and checks the parts of a model.json that loading relies on. */
export const parseModelJson = (text: string, path: string): tf.io.ModelJSON => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(path, 'malformed', `not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(json)) throw new ModelFileError(path, 'malformed', 'expected a JSON object');
  if (!isRecord(json.modelTopology)) throw new ModelFileError(path, 'malformed', 'modelTopology: missing or not an object');
  const manifest = json.weightsManifest;
  if (manifest !== undefined) {
    if (!Array.isArray(manifest)) throw new ModelFileError(path, 'malformed', 'weightsManifest: expected an array');
    manifest.forEach((group, i) => {
      if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
        throw new ModelFileError(path, 'malformed', `weightsManifest[${i}]: expected { paths: [...], weights: [...] }`);
      }
      group.paths.forEach((p, j) => {
        if (typeof p !== 'string' || p.length === 0) {
          throw new ModelFileError(path, 'malformed', `weightsManifest[${i}].paths[${j}]: expected a file name`);
        }
      });
    });
  }
  return json as unknown as tf.io.ModelJSON;
};

/**
 * Load handler for a layers model stored as `model.json` + weight shards (paths in the manifest are
 * relative to the model.json's folder, shards of a group are concatenated in order).
 */
export const fileSystemLoader = (modelJsonPath: string): tf.io.IOHandler => ({
  load: async () => {
    const text = (await readOrThrow(modelJsonPath)).toString('utf8');
    const modelJson = parseModelJson(text, modelJsonPath);
    const folder = dirname(modelJsonPath);
    return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const bytes = await readOrThrow(join(folder, p));
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        }
      }
      return [specs, tf.io.concatenateArrayBuffers(buffers)];
    });
  },
});

/**
 * Save handler writing `model.json` and one `weights.bin` into an existing folder (not atomic on
 * its own: {@link ./persist.js saveModel} writes into a temporary folder and renames it).
 */
export const fileSystemSaver = (folder: string): tf.io.IOHandler => ({
  save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error('fileSystemSaver: binary (graph) model topologies are not supported');
    }
    const weightData =
      artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
      ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    };
    await writeFile(join(folder, WEIGHTS_BIN), new Uint8Array(weightData));
    await writeFile(join(folder, MODEL_JSON), JSON.stringify(modelJson));
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        weightDataBytes: weightData.byteLength,
      },
    };
  },
});
