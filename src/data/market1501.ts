/**
 * Market-1501 attribute annotations (vana77/Market-1501_Attribute,
 * `market_attribute.mat`): 27 attributes per identity, 751 train and 750 test
 * identities. See ./pedestrian.ts for decoding, tasks, labels and images.
 *
 * Codes: 1 = no / 2 = yes, except gender (male / female), hair (short /
 * long), up (long / short sleeve), down (long / short lower-body clothing),
 * clothes (dress / pants) and age (young / teenager / adult / old).
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

export const MARKET_SCHEMA: PedestrianSchema = {
  dataset: 'market1501',
  variable: 'market_attribute',
  attributes: [
    { name: 'age', values: ['young', 'teenager', 'adult', 'old'], description: 'age' },
    yesNo('backpack', 'carrying backpack'),
    yesNo('bag', 'carrying bag'),
    yesNo('handbag', 'carrying handbag'),
    { name: 'clothes', values: ['dress', 'pants'], description: 'type of lower-body clothing' },
    { name: 'down', values: ['long', 'short'], description: 'length of lower-body clothing' },
    { name: 'up', values: ['long sleeve', 'short sleeve'], description: 'sleeve length' },
    { name: 'hair', values: ['short', 'long'], description: 'hair length' },
    yesNo('hat', 'wearing hat'),
    { name: 'gender', values: ['male', 'female'], description: 'gender' },
  ],
  colourGroups: [
    {
      task: 'upcolor',
      prefix: 'up',
      colours: ['black', 'white', 'red', 'purple', 'yellow', 'gray', 'blue', 'green'],
      description: 'colour of upper-body clothing',
    },
    {
      task: 'downcolor',
      prefix: 'down',
      colours: ['black', 'white', 'pink', 'purple', 'yellow', 'gray', 'blue', 'green', 'brown'],
      description: 'colour of lower-body clothing',
    },
  ],
  fileSplitOrder: ['test', 'train'],
  fileFieldOrder: {
    train: [
      'age', 'backpack', 'bag', 'handbag', 'downblack', 'downblue', 'downbrown', 'downgray', 'downgreen', 'downpink',
      'downpurple', 'downwhite', 'downyellow', 'upblack', 'upblue', 'upgreen', 'upgray', 'uppurple', 'upred', 'upwhite',
      'upyellow', 'clothes', 'down', 'up', 'hair', 'hat', 'gender', 'image_index',
    ],
    test: [
      'age', 'backpack', 'bag', 'handbag', 'clothes', 'down', 'up', 'hair', 'hat', 'gender', 'upblack', 'upwhite',
      'upred', 'uppurple', 'upyellow', 'upgray', 'upblue', 'upgreen', 'downblack', 'downwhite', 'downpink',
      'downpurple', 'downyellow', 'downgray', 'downblue', 'downgreen', 'downbrown', 'image_index',
    ],
  },
};

/** Read `market_attribute.mat`. */
export const loadMarketAttributes = (path: string): TE.TaskEither<PedestrianError, PedestrianAnnotations> =>
  loadPedestrianAttributes(MARKET_SCHEMA, path);

/** Synchronous {@link loadMarketAttributes}. */
export const loadMarketAttributesSync = (path: string): E.Either<PedestrianError, PedestrianAnnotations> =>
  loadPedestrianAttributesSync(MARKET_SCHEMA, path);
