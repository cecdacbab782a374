import test from 'ava';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ADAM_DEFAULTS, parseOptimizerConfig, SGD_DEFAULTS } from '../../src/train/index.js';

test('defaults: the paper\'s SGD (lr 1e-4, momentum 0.9, weight decay 5e-4) and Adam', (t) => {
  t.deepEqual(parseOptimizerConfig({}), { _tag: 'Right', right: SGD_DEFAULTS });
  t.deepEqual(SGD_DEFAULTS, { name: 'sgd', learningRate: 1e-4, momentum: 0.9, weightDecay: 5e-4, nesterov: false });
  t.deepEqual(parseOptimizerConfig({ name: 'adam' }), { _tag: 'Right', right: ADAM_DEFAULTS });
  t.deepEqual(parseOptimizerConfig({ name: 'adam', learningRate: 0.5, weightDecay: 1e-4 }), {
    _tag: 'Right',
    right: { ...ADAM_DEFAULTS, learningRate: 0.5, weightDecay: 1e-4 },
  });
});

test('bad values are Left with the field path', (t) => {
  const cases: [unknown, string, RegExp][] = [
    [null, 'optimizer.', /expected an object/],
    [{ name: 'rmsprop' }, 'optimizer.name', /known optimisers are sgd, adam/],
    [{ learningRate: 0 }, 'optimizer.learningRate', /\(0, Infinity\)/],
    [{ learningRate: '0.1' }, 'optimizer.learningRate', /finite number/],
    [{ momentum: 1 }, 'optimizer.momentum', /\[0, 1\)/],
    [{ weightDecay: -1e-4 }, 'optimizer.weightDecay', /\[0, Infinity\)/],
    [{ nesterov: 'yes' }, 'optimizer.nesterov', /true or false/],
    [{ momentum: 0, nesterov: true }, 'optimizer.nesterov', /momentum > 0/],
    [{ name: 'adam', beta2: 1 }, 'optimizer.beta2', /\[0, 1\)/],
    [{ name: 'adam', momentum: 0.9 }, 'optimizer.momentum', /unknown field for 'adam'/],
    [{ learningrate: 0.1 }, 'optimizer.learningrate', /unknown field/],
  ];
  for (const [raw, field, re] of cases) {
    const r = parseOptimizerConfig(raw);
    t.true(isLeft(r), JSON.stringify(raw));
    if (isLeft(r)) {
      t.is(r.left.field, field);
      t.regex(r.left.message, re);
    }
  }
});
