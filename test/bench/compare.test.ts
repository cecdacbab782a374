import test from 'ava';
import { runInProcess } from '../cli/run.js';

test('bench compare without PyTorch stops at once with one line naming the missing import (exit 1)', async (t) => {
  for (const python of ['/nonexistent/python3', '/bin/false']) {
    const r = await runInProcess(['bench', 'compare', '--python', python, '--steps', '1']);
    t.is(r.code, 1);
    t.is(r.stdout, '');
    t.regex(r.stderr, new RegExp(`^awmtl: bench compare: PyTorch is not available: ${python} -c 'import torch' failed \\(.+\\); install python3-torch, or give --python PATH\\n$`));
  }
});
