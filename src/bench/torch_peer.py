"""PyTorch peer for `netspec bench`: the spec's own generated PyTorch module, trained and run as
netspec's trainer does it, in one process or (under torchrun) data-parallel.

    python3 torch_peer.py --module generated_model.py --data FOLDER --threads 2 [--reps 3]
    torchrun --nproc_per_node=2 torch_peer.py --module ... --threads 1    # 2 processes
    python3 torch_peer.py --module generated_model.py --startup           # prints the summary

The model, optimizer (with the spec's hyperparameters), loss and data reading all come from the
generated module, so the peer is the spec's model whatever the spec. Each step does what netspec's
trainer does: gather a shuffled batch, forward, loss, backward, step, read loss and accuracy back.
With several processes each takes its share of every batch, as the generated program trains.
Prints one line from process 0: NETSPEC_BENCH_RESULT {json}, in the shape of src/bench/types.ts
RuntimeResult.
"""
import argparse
import importlib.util
import json
import os
import sys
import time
import warnings

MARKER = "NETSPEC_BENCH_RESULT "


def emit(result):
    sys.stdout.write(MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


def import_module(path):
    spec = importlib.util.spec_from_file_location("netspec_peer_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--module", required=True, help="the spec's generated PyTorch module")
    p.add_argument("--data", help="the folder of the dataset's IDX files")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--warmup", type=int, default=50, help="untimed training batches first")
    p.add_argument("--infer-batches", type=int, default=4)
    p.add_argument("--infer-batch-size", type=int, default=256)
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--startup", action="store_true", help="build the model, print its size and exit")
    a = p.parse_args()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    rid = f"torch-dp{world}" if world > 1 else f"torch-{a.threads}"
    started = time.perf_counter()
    try:
        import torch
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel

        m = import_module(a.module)
    except (Exception, SystemExit) as e:  # report, do not crash: the table says why there is no PyTorch row
        emit({"id": rid, "status": "unavailable", "reason": f"{type(e).__name__}: {e} ({sys.executable})", "reps": []})
        return

    torch.set_num_threads(a.threads)
    # As in the generated program: a false alarm for weights with a dimension of size 1.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    torch.manual_seed(m.TRAINING["seed"])
    model = m.build_model()
    if a.startup:
        print(model)
        print(f"Total params: {sum(t.numel() for t in model.parameters()):,}", flush=True)
        return
    if world > 1:
        dist.init_process_group("gloo")
    net = DistributedDataParallel(model) if world > 1 else model
    opt = m.make_optimizer(model.parameters())
    batch_size = m.TRAINING["batch_size"]
    share = batch_size // world
    # The generated program's own data reading, as its training loop takes the samples.
    data = m.fit_to_input(m.load_dataset(m.INPUT_SHAPE, a.data, max(a.batches, a.warmup) * batch_size), m.INPUT_SHAPE, m.OUTPUT_SHAPE[-1])
    train_x, train_y = (torch.from_numpy(v) for v in data["train"])
    test_x = torch.from_numpy(data["test"][0][: a.infer_batches * a.infer_batch_size])
    gen = torch.Generator().manual_seed(m.TRAINING["seed"])

    def train_batches(batches):
        """Times `batches` steps of the whole batch; returns (samples, seconds, CPU seconds of this
        process's threads) as process 0 saw them."""
        net.train()
        order = torch.randperm(len(train_y), generator=gen)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for b in range(batches):
            first = (b * batch_size) % max(1, len(train_y) - batch_size + 1)
            idx = order[first + rank * share : first + (rank + 1) * share]
            x, y = train_x[idx], train_y[idx]
            opt.zero_grad(set_to_none=True)
            probabilities = net(x)
            loss = m.loss_fn(probabilities, y)
            loss.backward()
            opt.step()
            acc = (probabilities.argmax(1) == y).float().mean()
            # .item() waits for the values, like the tfjs trainer awaiting loss.data().
            loss.item(), acc.item()
        if world > 1:
            dist.barrier()
        # CPU time of every process: each did its share of the same steps.
        return batches * share * world, time.perf_counter() - t0, (time.process_time() - c0) * world

    def infer_batches(batches):
        model.eval()
        samples = 0
        t0 = time.perf_counter()
        with torch.no_grad():
            for b in range(batches):
                start = (b * a.infer_batch_size) % max(1, len(test_x) - a.infer_batch_size + 1)
                chunk = test_x[start : start + a.infer_batch_size]
                part = len(chunk) // world
                model(chunk[rank * part : (rank + 1) * part]).numpy()
                samples += part * world
        if world > 1:
            dist.barrier()
        return samples, time.perf_counter() - t0

    def rep(batches, infer):
        ts, tsec, tcpu = train_batches(batches)
        isamp, isec = infer_batches(infer)
        return {"trainSamples": ts, "trainSeconds": tsec, "trainSamplesPerSec": ts / tsec, "trainCpuSeconds": tcpu,
                "inferSamples": isamp, "inferSeconds": isec, "inferSamplesPerSec": isamp / isec}

    rep(a.warmup, 1)  # warm-up: first calls allocate the optimizer's state and pick kernels
    reps, truncated = [], None
    for r in range(a.reps):
        # Process 0 decides, so that every process runs the same number of steps.
        stop = torch.tensor([1 if r > 0 and time.perf_counter() - started > a.budget else 0])
        if world > 1:
            dist.broadcast(stop, 0)
        if stop.item():
            truncated = f"{r} of {a.reps} repetitions: the {a.budget:g} s time budget ran out"
            break
        reps.append(rep(a.batches, a.infer_batches))
    if rank == 0:
        processes = f"{world} processes x " if world > 1 else ""
        result = {"id": rid, "status": "ok", "reason": f"torch {torch.__version__}, {processes}{torch.get_num_threads()} thread(s)",
                  "backend": f"torch {torch.__version__}", "threads": torch.get_num_threads(),
                  "batchSize": batch_size, "inferBatchSize": a.infer_batch_size, "batches": a.batches, "reps": reps}
        if truncated:
            result["truncated"] = truncated
        emit(result)
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
