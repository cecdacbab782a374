import test from 'ava';
import { binaryTask, logitLayout, multiClassTask } from '../src/tasks.js';

test('logitLayout places each task after the previous one', (t) => {
  const layout = logitLayout([binaryTask('a'), multiClassTask('age', ['y', 't', 'a', 'o']), binaryTask('b')]);
  t.deepEqual(layout.offsets, [0, 1, 5]);
  t.is(layout.width, 6);
});
