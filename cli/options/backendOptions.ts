/** --backend NAME and --threads N: the TensorFlow.js backend a command runs on. */
import { BACKEND_CHOICES } from '../../src/backend/index.js';
import { choice, integer } from './optionTable.js';

export const backendOptions = {
  backend: choice(BACKEND_CHOICES, {
    metavar: 'NAME',
    default: 'auto',
    help: `${BACKEND_CHOICES.join(', ')}; auto: tensorflow if installed, else webgpu on a GPU, else wasm, else cpu`,
  }),
  threads: integer({ default: 1, help: 'backend threads' }),
};
