/** The prebuilt pipelines by name. */
import { celeba } from './celeba.js';
import type { PipelineDefinition } from './definition.js';
import { duke } from './duke.js';
import { folder } from './folder.js';
import { market1501 } from './market1501.js';

const pipelines: readonly PipelineDefinition[] = [celeba, market1501, duke, folder];

export const pipelineNames = (): string[] => pipelines.map((p) => p.name);
export const findPipeline = (name: string): PipelineDefinition | undefined => pipelines.find((p) => p.name === name);
export type { PipelineDefinition } from './definition.js';
