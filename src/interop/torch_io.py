"""netspec's bridge to PyTorch files: reads a checkpoint's tensors into plain float32 bytes, and
writes plain bytes back as the state_dict of a generated module. netspec runs it with a Python
that has torch; nothing else in netspec needs torch.

    python3 torch_io.py read CHECKPOINT FOLDER           # FOLDER/tensors.json + tensors.bin
    python3 torch_io.py write MODULE.py FOLDER OUT.pt    # FOLDER as written by netspec
    python3 torch_io.py forward JOBS.json                # run generated modules on inputs

tensors.json lists {key, shape, dtype, offset, length} per tensor (float32, little-endian, in
tensors.bin) and, for checkpoints the generated programs write, their record under "meta".
Messages go to stderr as one line starting with "error:"; the exit code is then 1.
"""
import importlib.util
import json
import math
import os
import pickle
import sys
import types

NETSPEC_FORMAT = "netspec-pytorch-checkpoint/1"

# The only globals a file of tensors, numbers and text refers to: anything else could run code.
ALLOWED = {("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_parameter"), ("torch", "Size")}


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED or (module == "torch" and name.endswith("Storage")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Unsupported class {module}.{name}")


RESTRICTED = types.ModuleType("restricted_pickle")
RESTRICTED.Unpickler = RestrictedUnpickler
RESTRICTED.load = lambda file, **options: RestrictedUnpickler(file, **options).load()


def safe_load(path):
    """torch.load of tensors, containers, numbers and text only. PyTorch 1.13's own safe loader
    cannot read floats, so there the same restriction is applied through torch's zip reader."""
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "Unsupported operand" not in str(error):
            raise
    with open(path, "rb") as file, torch.serialization._open_zipfile_reader(file) as archive:
        return torch.serialization._load(archive, "cpu", RESTRICTED, encoding="utf-8")


class Refusal(Exception):
    pass


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load(path):
    try:
        return safe_load(path)
    except FileNotFoundError:
        raise Refusal(f"{path}: no such file")
    except pickle.UnpicklingError as error:
        found = str(error).rsplit("Unsupported class ", 1)
        what = f" ({found[1].strip()})" if len(found) == 2 else ""
        raise Refusal(f"{path}: holds Python objects besides tensors{what}, which netspec does not load (unpickling them could run code)")
    except Exception as error:
        raise Refusal(f"{path}: cannot be read as a PyTorch file ({first_line(error)})")


def is_state(value):
    import torch

    return isinstance(value, dict) and len(value) > 0 and all(isinstance(v, torch.Tensor) for v in value.values())


def state_of(path, loaded):
    """The state_dict in a file: a plain one, or the one a checkpoint keeps under a usual key."""
    if isinstance(loaded, dict) and loaded.get("format") == NETSPEC_FORMAT:
        state = loaded["model"]
    elif is_state(loaded):
        state = loaded
    else:
        state = next((loaded[k] for k in ("state_dict", "model_state_dict", "model") if isinstance(loaded, dict) and is_state(loaded.get(k))), None)
    if state is None:
        raise Refusal(f"{path}: holds no state_dict (a mapping of names to tensors, alone or under 'model' or 'state_dict')")
    # A model saved while wrapped in DistributedDataParallel has every name under "module.".
    if all(key.startswith("module.") for key in state):
        state = {key[len("module.") :]: value for key, value in state.items()}
    return state


def plain_json(value):
    """Checkpoint records as JSON: tensors and non-finite numbers have no JSON form and become None."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return None


def read(path, folder):
    loaded = load(path)
    state = state_of(path, loaded)
    entries, offset = [], 0
    with open(os.path.join(folder, "tensors.bin"), "wb") as out:
        for key, tensor in state.items():
            data = tensor.detach().to("cpu").float().contiguous().numpy().astype("<f4").tobytes()
            out.write(data)
            entries.append({"key": key, "shape": list(tensor.shape), "dtype": str(tensor.dtype).replace("torch.", ""), "offset": offset, "length": len(data)})
            offset += len(data)
    meta = None
    if isinstance(loaded, dict) and loaded.get("format") == NETSPEC_FORMAT:
        meta = plain_json({k: v for k, v in loaded.items() if k not in ("model", "optimizer")})
    with open(os.path.join(folder, "tensors.json"), "w") as out:
        json.dump({"tensors": entries, "meta": meta}, out)


def import_module(path):
    spec = importlib.util.spec_from_file_location("netspec_generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_tensors(folder):
    import torch

    with open(os.path.join(folder, "tensors.json")) as file:
        entries = json.load(file)["tensors"]
    with open(os.path.join(folder, "tensors.bin"), "rb") as file:
        data = bytearray(file.read())
    return {e["key"]: torch.frombuffer(data, dtype=torch.float32, offset=e["offset"], count=e["length"] // 4).reshape(e["shape"]).clone() for e in entries}


def model_with(module_path, folder):
    """The generated module's model holding the tensors in `folder` (its other state, as built)."""
    module = import_module(module_path)
    model = module.build_model()
    state = model.state_dict()
    for key, tensor in read_tensors(folder).items():
        if key not in state or tuple(state[key].shape) != tuple(tensor.shape):
            raise Refusal(f"tensor '{key}' of shape {tuple(tensor.shape)} has no place in {module.MODEL_NAME}'s module")
        state[key] = tensor.to(state[key].dtype)
    model.load_state_dict(state)
    return module, model


def write(module_path, folder, out):
    import torch

    _, model = model_with(module_path, folder)
    temporary = f"{out}.{os.getpid()}.tmp"
    try:
        torch.save(model.state_dict(), temporary)
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def forward(jobs_path):
    """Each job: a module, its tensors, float32 inputs shaped (count, *INPUT_SHAPE); writes the outputs."""
    import numpy as np
    import torch

    torch.set_grad_enabled(False)
    with open(jobs_path) as file:
        jobs = json.load(file)
    for job in jobs:
        module, model = model_with(job["module"], job["tensors"])
        model.eval()
        x = torch.from_numpy(np.fromfile(job["input"], dtype="<f4").reshape(-1, *module.INPUT_SHAPE).copy())
        model(x).numpy().astype("<f4").tofile(job["output"])


def main(argv):
    commands = {"read": (read, 2), "write": (write, 3), "forward": (forward, 1)}
    if not argv or argv[0] not in commands or len(argv) - 1 != commands[argv[0]][1]:
        print("error: usage: torch_io.py read CHECKPOINT FOLDER | write MODULE FOLDER OUT | forward JOBS", file=sys.stderr)
        return 2
    try:
        import torch  # noqa: F401
    except ImportError as missing:
        print(f"error: {sys.executable} cannot import torch ({missing}); on Debian or Ubuntu: apt-get install python3-torch", file=sys.stderr)
        return 1
    command, count = commands[argv[0]]
    try:
        command(*argv[1 : 1 + count])
    except Refusal as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
