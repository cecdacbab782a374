/**
 * `awmtl backends [--json]`: every backend with whether it works here, the reason when it does
 * not, and its details (webgpu: the adapter and whether it is a software one; tensorflow: the
 * package, its version and whether it loaded CUDA; wasm: the build it runs), plus what
 * `--backend auto` takes. Exit 0 whatever is found; 2 for bad usage.
 */
import { type BackendAvailability, listBackends } from '../../src/backend/available.js';
import { describeAdapter, type AdapterDescription } from '../../src/backend/webgpu.js';
import { type CommandSpec, flag } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';

export const backendsSpec = (): CommandSpec<{ json: ReturnType<typeof flag> }> => ({
  name: 'backends',
  synopsis: ['backends [--json]'],
  description:
    'Starts every TensorFlow.js backend awmtl can use (tensorflow, webgpu, wasm, cpu), runs one\n' +
    'small op on each, and prints whether it is available, why not, and its details, then the\n' +
    'backend --backend auto takes here.',
  options: { json: flag('print one object: {backends: [...], auto, autoReason}') },
});

const detailText = (b: BackendAvailability): string => {
  const d = b.details;
  switch (b.name) {
    case 'tensorflow':
      return `${String(d.package)} ${String(d.version)}${d.gpuBuild ? `, GPU build, ${d.sawGpu ? 'CUDA loaded' : d.sawGpu === false ? 'no CUDA driver loaded' : 'GPU use unknown'}` : ''}`;
    case 'webgpu': {
      const a = d.adapter as AdapterDescription | undefined;
      const adapter = a ? describeAdapter(a) : 'no adapter';
      return `${adapter}${a?.software ? ' - used only with --backend webgpu' : ''} (webgpu ${String(d.webgpu)}, tfjs-backend-webgpu ${String(d.tfjsBackendWebgpu)})`;
    }
    case 'wasm':
      return `${String(d.variant)} with awmtl training kernels (${String(d.kernelVariant)}), 1 thread; threaded build with --threads N (${String(d.cores)} cores)`;
    case 'cpu':
      return String(d.note);
  }
};

export const backendsCommand = async (argv: readonly string[]): Promise<number> =>
  runCommand(backendsSpec(), argv, async ({ values }) => {
    const report = await listBackends();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const lines = report.backends.map(
      (b) => `${b.name.padEnd(11)} ${b.available ? 'yes' : 'no '}  ${b.available ? detailText(b) : (b.reason ?? '')}`,
    );
    process.stdout.write(`${['backend     available', ...lines, '', `auto: ${report.auto} (${report.autoReason})`].join('\n')}\n`);
    return 0;
  });
