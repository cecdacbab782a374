/**
 * DukeMTMC-reID attribute annotations (vana77/DukeMTMC-attribute,
 * `duke_attribute.mat`): 23 attributes per identity, 702 train and 1,110 test
 * identities. See ./pedestrian.ts for decoding, tasks, labels and images.
 *
 * Codes: 1 = no / 2 = yes, except gender (male / female), top (short / long
 * upper-body clothing) and shoes (dark / light).
 */
import type * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import {
  loadPedestrianAttributes,
  loadPedestrianAttributesSync,
  type PedestrianAnnotations,
  type PedestrianError,
  type PedestrianSchema,
  yesNo,
} from './pedestrian.js';

export const DUKE_SCHEMA: PedestrianSchema = {
  dataset: 'duke',
  variable: 'duke_attribute',
  attributes: [
    yesNo('backpack', 'carrying backpack'),
    yesNo('bag', 'carrying bag'),
    yesNo('handbag', 'carrying handbag'),
    yesNo('boots', 'wearing boots'),
    { name: 'gender', values: ['male', 'female'], description: 'gender' },
    yesNo('hat', 'wearing hat'),
    { name: 'shoes', values: ['dark', 'light'], description: 'colour of shoes' },
    { name: 'top', values: ['short', 'long'], description: 'length of upper-body clothing' },
  ],
  colourGroups: [
    {
      task: 'downcolor',
      prefix: 'down',
      colours: ['black', 'white', 'red', 'gray', 'blue', 'green', 'brown'],
      description: 'colour of lower-body clothing',
    },
    {
      task: 'upcolor',
      prefix: 'up',
      colours: ['black', 'white', 'red', 'purple', 'gray', 'blue', 'green', 'brown'],
      description: 'colour of upper-body clothing',
    },
  ],
  fileSplitOrder: ['train', 'test'],
  fileFieldOrder: {
    train: [
      'backpack', 'bag', 'handbag', 'boots', 'gender', 'hat', 'shoes', 'top', 'downblack', 'downwhite', 'downred',
      'downgray', 'downblue', 'downgreen', 'downbrown', 'upblack', 'upwhite', 'upred', 'uppurple', 'upgray', 'upblue',
      'upgreen', 'upbrown', 'image_index',
    ],
    test: [
      'boots', 'shoes', 'top', 'gender', 'hat', 'backpack', 'bag', 'handbag', 'downblack', 'downwhite', 'downred',
      'downgray', 'downblue', 'downgreen', 'downbrown', 'upblack', 'upwhite', 'upred', 'upgray', 'upblue', 'upgreen',
      'uppurple', 'upbrown', 'image_index',
    ],
  },
};

/** Read `duke_attribute.mat`. */
export const loadDukeAttributes = (path: string): TE.TaskEither<PedestrianError, PedestrianAnnotations> =>
  loadPedestrianAttributes(DUKE_SCHEMA, path);

/** Synchronous {@link loadDukeAttributes}. */
export const loadDukeAttributesSync = (path: string): E.Either<PedestrianError, PedestrianAnnotations> =>
  loadPedestrianAttributesSync(DUKE_SCHEMA, path);
