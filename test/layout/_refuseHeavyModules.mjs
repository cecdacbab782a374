// Preloaded with --import: a resolve hook that makes importing TensorFlow.js or jimp fail,
// naming the importer, so a test can show that a command runs without them.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (/^@tensorflow\\//.test(specifier) || specifier === 'jimp') {
    throw new Error('heavy module imported: ' + specifier + ' from ' + context.parentURL);
  }
  return next(specifier, context);
}`),
);
