export * from './predict.js';
export * from './attributes.js';
export * from './market-official.js';
