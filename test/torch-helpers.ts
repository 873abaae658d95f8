// Tests that run PyTorch: which Python has it, or why they skip. Locally a missing torch skips
// with the reason, as the browser tests skip without Chromium; under CI=true it is a failure,
// because CI installs Debian's python3-torch.
import { spawnSync } from 'node:child_process';
import { findTorchPython, pythonCandidates } from '../src/interop/python.js';

export interface TorchForTests {
  python?: string;
  /** Why torch tests skip here (undefined when they run). */
  skip?: string;
}

let probed: TorchForTests | undefined;

export function torchForTests(): TorchForTests {
  if (probed) return probed;
  const probe = findTorchPython(pythonCandidates());
  if (probe.python) probed = { python: probe.python };
  else if (process.env.CI === 'true') throw new Error(`CI=true, so PyTorch tests must run, but ${probe.reason}`);
  else probed = { skip: `PyTorch is not installed here: ${probe.reason}` };
  return probed;
}

let pillowProbe: TorchForTests | undefined;

/** A Python that can import numpy and Pillow (the generated programs' image reading), or why tests skip. */
export function pillowForTests(): TorchForTests {
  if (pillowProbe) return pillowProbe;
  const failures: string[] = [];
  for (const python of pythonCandidates()) {
    const r = spawnSync(python, ['-c', 'import numpy, PIL'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return (pillowProbe = { python });
    failures.push(`${python}: ${r.error ? 'not found' : r.stderr.trim().split('\n').pop()}`);
  }
  const reason = `no Python here imports numpy and Pillow (${failures.join('; ')}); apt-get install python3-pil`;
  if (process.env.CI === 'true') throw new Error(`CI=true, so Pillow tests must run, but ${reason}`);
  return (pillowProbe = { skip: reason });
}
