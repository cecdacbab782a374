/**
 * The PyTorch side of `awmtl bench compare`: the reference net (or torchvision's ResNet) stepped
 * as `awmtl bench step` steps it, run as `/usr/bin/python3 -c TORCH_STEP_PY --batch 32 ...`
 * (Debian's python3-torch; python3-torchvision for --backbone resnet18|resnet50). It prints one
 * JSON object. Kept here as a string so the package ships it with the compiled JavaScript.
 */
export const TORCH_STEP_PY = String.raw`#!/usr/bin/python3
"""PyTorch counterpart of 'awmtl bench step': the same reference net, batch, input, loss and optimiser.

Net: four 3x3 'same' conv + ReLU (16, 32, 64, 128 filters), 2x2 max pooling after the first three,
global average pooling, dense 40 logits; sigmoid cross-entropy with logits over 40 binary labels
(mean); Adam lr 1e-3 (eps 1e-7 as in tfjs). Measurement only (Debian's python3-torch, run with
/usr/bin/python3); prints one JSON object.

With --backbone resnet18 or resnet50: torchvision's model with 40 outputs (Debian's
python3-torchvision), in training mode (batch norm on the batch), the same loss and optimiser with
PyTorch's default Adam eps 1e-8 (awmtl's trainer uses 1e-8 too). small-cnn is the reference net.

  python3 -c "$TORCH_STEP_PY" [--backbone reference] [--batch 32] [--size 64] [--steps 50] [--warmup 5] [--threads 1]
"""
import argparse
import json
import os
import statistics
import time

import torch
from torch import nn


def reference_net(labels: int = 40) -> nn.Module:
    def conv(cin: int, cout: int) -> list:
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]

    return nn.Sequential(
        *conv(3, 16), nn.MaxPool2d(2),
        *conv(16, 32), nn.MaxPool2d(2),
        *conv(32, 64), nn.MaxPool2d(2),
        *conv(64, 128),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(128, labels),
    )


def build(backbone: str, labels: int = 40) -> nn.Module:
    if backbone in ('reference', 'small-cnn'):
        return reference_net(labels)
    import torchvision  # only for the ResNets
    if backbone == 'resnet18':
        return torchvision.models.resnet18(num_classes=labels)
    if backbone == 'resnet50':
        return torchvision.models.resnet50(num_classes=labels)
    raise SystemExit(f'awmtl bench compare (torch): unknown backbone {backbone!r}')


def blas_libraries() -> list:
    """The BLAS / MKL libraries this process has loaded (after a step), their real paths.

    Debian's torch calls the system BLAS (update-alternatives) for what oneDNN does not take, e.g.
    1x1 convolutions below batch 16 on one thread; the netlib reference BLAS is many times slower
    there than OpenBLAS, so the baseline is only fair with OpenBLAS (or MKL) behind it.
    """
    found = set()
    try:
        with open('/proc/self/maps') as maps:
            for line in maps:
                path = line.split()[-1] if '/' in line else ''
                name = os.path.basename(path)
                if name.startswith(('libblas', 'libopenblas', 'libmkl_core', 'libcblas')):
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(found)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--steps', type=int, default=50)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--backbone', default='reference')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    model = build(a.backbone)
    model.train()
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = (torch.rand(a.batch, 40) < 0.5).float()
    loss_fn = nn.BCEWithLogitsLoss()
    eps = 1e-7 if a.backbone == 'reference' else 1e-8
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=eps)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    start = time.perf_counter()
    cpu_start = time.process_time()
    loss = float('nan')
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    print(json.dumps({
        'framework': 'pytorch',
        'net': a.backbone,
        'version': torch.__version__,
        'threads': torch.get_num_threads(),
        'batch': a.batch,
        'size': a.size,
        'steps': a.steps,
        'warmup': a.warmup,
        'stepsPerSecond': a.steps / seconds,
        'imagesPerSecond': a.steps * a.batch / seconds,
        'stepMs': {'mean': seconds * 1000 / a.steps, 'median': statistics.median(times),
                   'min': min(times), 'max': max(times)},
        'bestImagesPerSecond': a.batch * 1000 / min(times),
        'cpuMsPerStep': cpu_seconds * 1000 / a.steps,
        'cpuImagesPerSecond': a.steps * a.batch / max(cpu_seconds, 1e-6),
        'finalLoss': loss,
        'blas': blas_libraries(),
    }))


if __name__ == '__main__':
    main()
`;
