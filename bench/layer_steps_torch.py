"""PyTorch peer of bench/layer-steps.ts: the same small model per layer kind, timed per step.

    OMP_WAIT_POLICY=PASSIVE python3 bench/layer_steps_torch.py [--threads 2] [--steps 20] [--warmup 5] [--batch 64]

Each model: input 16x28x28 (NCHW, PyTorch's layout) -> 1x1 conv (16, relu) -> the layer ->
global average pool -> linear 10, cross-entropy on logits, Adam (lr 1e-3, eps 1e-7), one random
batch. Padding 'same' is written out as PyTorch's explicit padding; a transposed convolution
with stride 2 and 'same' is padding=1, output_padding=1 (Keras's output size, in * 2); bilinear
upsampling is align_corners=False (half-pixel centres, as Keras; tfjs's upSampling2d samples
without them, which costs the same). Prints the median wall-clock and CPU time of a step and
the CPU time minus its baseline's, like the TypeScript benchmark.
"""
import argparse
import os
import time

import torch
from torch import nn


class Crop(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x[:, :, self.k:-self.k, self.k:-self.k]


class Merge(nn.Module):
    """A 3x3 conv branch (16, relu) merged with the input, as the TypeScript merges."""

    def __init__(self, how):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.how = how

    def forward(self, x):
        a = self.conv(x)
        if self.how == "add":
            return a + x
        if self.how == "multiply":
            return a * x
        if self.how == "maximum":
            return torch.maximum(a, x)
        return torch.cat([a, x], dim=1)


def depthwise(mult=1, stride=1, dilation=1):
    return nn.Conv2d(16, 16 * mult, 3, stride=stride, padding=dilation, dilation=dilation, groups=16)


KINDS = [
    ("baseline: 1x1 conv only", None, lambda: nn.Identity(), 16),
    ("conv2d 3x3", None, lambda: nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU()), 16),
    ("conv2d 3x3, dilation 2", None, lambda: nn.Sequential(nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.ReLU()), 16),
    ("conv2d 3x3, dilation 2, linear", None, lambda: nn.Conv2d(16, 16, 3, padding=2, dilation=2), 16),
    ("depthwise_conv2d 3x3", None, lambda: nn.Sequential(depthwise(), nn.ReLU()), 16),
    # 'same' with stride 2 on 28 pads 0 above and 1 below in TensorFlow; PyTorch pads 1 both sides: same cost.
    ("depthwise_conv2d 3x3, stride 2", None, lambda: nn.Sequential(depthwise(stride=2), nn.ReLU()), 16),
    ("depthwise_conv2d 3x3, multiplier 2", None, lambda: nn.Sequential(depthwise(mult=2), nn.ReLU()), 32),
    ("separable_conv2d 3x3", None, lambda: nn.Sequential(depthwise(), nn.Conv2d(16, 16, 1), nn.ReLU()), 16),
    ("separable_conv2d 3x3, dilation 2", None, lambda: nn.Sequential(depthwise(dilation=2), nn.Conv2d(16, 16, 1), nn.ReLU()), 16),
    ("conv2d_transpose 3x3, stride 2", None, lambda: nn.Sequential(nn.ConvTranspose2d(16, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU()), 16),
    ("upsampling2d nearest 2x", None, lambda: nn.Upsample(scale_factor=2, mode="nearest"), 16),
    ("upsampling2d bilinear 2x", None, lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), 16),
    ("zero_padding2d 2", None, lambda: nn.ZeroPad2d(2), 16),
    ("cropping2d 2", None, lambda: Crop(2), 16),
    ("add", "conv2d 3x3", lambda: Merge("add"), 16),
    ("multiply", "conv2d 3x3", lambda: Merge("multiply"), 16),
    ("maximum", "conv2d 3x3", lambda: Merge("maximum"), 16),
    ("concatenate", "conv2d 3x3", lambda: Merge("concatenate"), 32),
]


def build(body, channels):
    return nn.Sequential(
        nn.Conv2d(16, 16, 1), nn.ReLU(), body,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10),
    )


def step_times(model, batch, steps, warmup):
    """Median wall-clock and CPU ms per step (CPU: all of this process's threads)."""
    x = torch.rand(batch, 16, 28, 28)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    wall, cpu = [], []
    for i in range(warmup + steps):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= warmup:
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    results = {}
    for name, _, body, channels in KINDS:
        results[name] = step_times(build(body(), channels), a.batch, a.steps, a.warmup)
    load = os.getloadavg()[0]
    print(f"PyTorch {torch.__version__}, {a.threads} thread(s); batch {a.batch}, input 28x28x16, "
          f"median of {a.steps} steps after {a.warmup} warm-up; load average {load:.1f}")
    print(f"{'model':<40} {'wall ms':>9} {'cpu ms':>9} {'layer cpu ms':>13}")
    for name, baseline, _, _ in KINDS:
        wall, cpu = results[name]
        base = results[baseline or KINDS[0][0]][1]
        own = "" if name == KINDS[0][0] else f"{cpu - base:.1f}"
        print(f"{name:<40} {wall:>9.1f} {cpu:>9.1f} {own:>13}")

if __name__ == "__main__":
    main()
