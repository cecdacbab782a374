/**
 * The prebuilt DukeMTMC-reID attribute pipeline: the DukeMTMC-reID layout
 * (bounding_box_train/, bounding_box_test/, query/) with vana77's
 * duke_attribute.mat (23 attributes per identity; see pipelines/pedestrian.ts
 * for where it is looked for). Tasks: 8 binary attributes and the lower /
 * upper colours as two softmax groups (--colours groups) or 15 binary tasks
 * (--colours binary). Crops vary in size; they are resized to the input size.
 */
import { DUKE_SCHEMA } from '../src/data/duke.js';
import type { PipelineDefinition } from './definition.js';
import { pedestrianPipeline, type PedestrianSource } from './pedestrian.js';

export const DUKE_SOURCE: PedestrianSource = {
  name: 'duke',
  title: 'DukeMTMC-reID',
  schema: DUKE_SCHEMA,
  fileName: 'duke_attribute.mat',
  repoFolder: 'DukeMTMC-attribute',
};

export const duke: PipelineDefinition = pedestrianPipeline(
  DUKE_SOURCE,
  'DukeMTMC-reID pedestrians, 23 attributes per identity (bounding_box_train/, bounding_box_test/, query/, duke_attribute.mat)',
  false,
);
