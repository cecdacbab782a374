export * from './predict.js';
export * from './attributes.js';
export * from './marketOfficial.js';
