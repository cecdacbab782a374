export * from './predictLabels.js';
export * from './attributeMetrics.js';
export * from './marketOfficial.js';
