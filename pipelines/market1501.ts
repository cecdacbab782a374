/**
 * The prebuilt Market-1501 attribute pipeline: the Market-1501 re-id layout
 * (bounding_box_train/, bounding_box_test/, query/) with vana77's
 * market_attribute.mat (27 attributes per identity; see pipelines/pedestrian.ts
 * for where it is looked for). Tasks: 9 binary attributes, age (4 classes),
 * and the upper / lower colours as two softmax groups (--colours groups) or
 * 17 binary tasks (--colours binary). Evaluations add the official 12-task
 * accuracy (evaluate_market_attribute.m) next to mA.
 */
import { MARKET_SCHEMA } from '../src/data/market1501.js';
import type { PipelineDefinition } from './definition.js';
import { pedestrianPipeline, type PedestrianSource } from './pedestrian.js';

export const MARKET_SOURCE: PedestrianSource = {
  name: 'market1501',
  title: 'Market-1501',
  schema: MARKET_SCHEMA,
  fileName: 'market_attribute.mat',
  repoFolder: 'Market-1501_Attribute',
};

export const market1501: PipelineDefinition = pedestrianPipeline(
  MARKET_SOURCE,
  'Market-1501 pedestrians, 27 attributes per identity (bounding_box_train/, bounding_box_test/, query/, market_attribute.mat)',
  true,
);
