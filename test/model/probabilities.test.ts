import test from 'ava';
import { taskProbabilities } from '../../src/model/probabilities.js';
import { binaryTask, multiClassTask } from '../../src/tasks.js';

test('sigmoid for binary tasks, softmax within each multi-class slice, per row', (t) => {
  const tasks = [binaryTask('a'), multiClassTask('age', ['young', 'old']), binaryTask('b', ['male', 'female'])];
  const logits = [0, Math.log(3), 0, 100, /* row 1 */ -100, 0, 0, 0];
  const r0 = taskProbabilities(logits, 0, tasks);
  t.deepEqual(r0[0], { task: 'a', kind: 'binary', probability: 0.5, values: ['no', 'yes'] });
  t.deepEqual(r0[2].kind === 'binary' && r0[2].values, ['male', 'female']);
  if (r0[1].kind !== 'multiclass') return t.fail();
  t.true(Math.abs(r0[1].classes[0].probability - 0.75) < 1e-12);
  t.true(Math.abs(r0[1].classes[1].probability - 0.25) < 1e-12);
  t.true(r0[2].kind === 'binary' && r0[2].probability > 0.999999);
  const r1 = taskProbabilities(logits, 1, tasks);
  t.true(r1[0].kind === 'binary' && r1[0].probability < 1e-40);
  t.true(r1[1].kind === 'multiclass' && r1[1].classes[0].probability === 0.5);
});
