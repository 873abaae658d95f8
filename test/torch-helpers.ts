// Tests that run PyTorch: which Python has it, or why they skip. Locally a missing torch skips
// with the reason, as the browser tests skip without Chromium; under CI=true it is a failure,
// because CI installs Debian's python3-torch.
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
