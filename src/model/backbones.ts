/**
 * Backbones by name: the built-ins, and `file:<path/to/model.json>` for a user's own trunk.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import type { Backbone } from './backbone.js';
import type { ModelError } from './errors.js';
import { fileBackbone, FILE_PREFIX } from './fileBackbone.js';
import { resnet18, resnet50 } from './resnet.js';
import { smallCnn } from './smallCnn.js';

export const DEFAULT_BACKBONE = 'small-cnn';

const BUILT_IN: readonly Backbone[] = [smallCnn, resnet18, resnet50];

/** Names accepted by {@link backboneByName} (the `file:` form shown as a pattern). */
export const knownBackbones = (): readonly string[] => [...BUILT_IN.map((b) => b.name), `${FILE_PREFIX}<path/to/model.json>`];

export const backboneByName = (name: string): Either<ModelError, Backbone> => {
  if (name.startsWith(FILE_PREFIX)) {
    const path = name.slice(FILE_PREFIX.length);
    if (path.length === 0) return left({ _tag: 'BadModelOption', field: 'backbone', message: `'${FILE_PREFIX}' needs a path to a model.json` });
    return right(fileBackbone(path));
  }
  const found = BUILT_IN.find((b) => b.name === name);
  return found === undefined ? left({ _tag: 'UnknownBackbone', name, known: knownBackbones() }) : right(found);
};
