export * from './vector.js';
export * from './vlt.js';
export * from './strategy.js';
export * from './registry.js';
export { vlt, DEFAULT_K } from './vlt-strategy.js';
export { ew } from './ew.js';
