// Medians and ratios. Medians rather than means: on a shared machine one repetition can be
// slowed down by another process, and the median ignores a single outlier.
import type { RuntimeResult } from './types.js';

/** The PyTorch configuration every figure is compared with. */
export const REFERENCE_ID = 'torch-2';

export function median(values: readonly number[]): number | undefined {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return undefined;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** value / reference, or undefined when either is missing or not positive (no ratio to show). */
export function ratio(value: number | undefined, reference: number | undefined): number | undefined {
  if (value === undefined || reference === undefined || !(value > 0) || !(reference > 0)) return undefined;
  return value / reference;
}

/** One table row: a runtime's medians and their ratios to the reference. */
export interface Summary {
  id: string;
  label: string;
  status: RuntimeResult['status'];
  reason: string;
  train?: number;
  infer?: number;
  /** train / reference train: above 1 means faster than PyTorch. */
  trainRatio?: number;
  /** CPU ms (all threads) per training sample, median over repetitions. */
  trainCpuMsPerSample?: number;
  /** The reference's CPU ms per sample / this one's: above 1 means less work per sample than PyTorch. */
  trainCpuRatio?: number;
  inferRatio?: number;
  reps: number;
  /** e.g. why fewer repetitions ran than asked for. */
  note?: string;
}

const LABELS: Record<string, string> = {
  'wasm-2': 'netspec wasm, 2 threads',
  'wasm-1': 'netspec wasm, 1 thread',
  'wasm-dp2': 'netspec wasm, 2 replicas x 1 thread',
  cpu: 'netspec cpu (pure JS)',
  node: 'netspec tfjs-node',
  'torch-2': 'PyTorch, 2 threads',
  'torch-1': 'PyTorch, 1 thread',
  'torch-dp2': 'PyTorch, 2 processes x 1 thread',
};

export const labelOf = (id: string): string => LABELS[id] ?? id;

const withDefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function summarise(results: readonly RuntimeResult[], referenceId = REFERENCE_ID): Summary[] {
  const medians = (r: RuntimeResult | undefined) =>
    r?.status === 'ok'
      ? {
          train: median(r.reps.map((m) => m.trainSamplesPerSec)),
          infer: median(r.reps.map((m) => m.inferSamplesPerSec)),
          cpu: median(r.reps.flatMap((m) => (m.trainCpuSeconds !== undefined && m.trainSamples > 0 ? [(1000 * m.trainCpuSeconds) / m.trainSamples] : []))),
        }
      : { train: undefined, infer: undefined, cpu: undefined };
  const ref = medians(results.find((r) => r.id === referenceId));
  return results.map((r) => {
    const { train, infer, cpu } = medians(r);
    return withDefined({
      id: r.id,
      label: labelOf(r.id),
      status: r.status,
      reason: r.reason,
      train,
      infer,
      trainRatio: ratio(train, ref.train),
      trainCpuMsPerSample: cpu,
      trainCpuRatio: ratio(ref.cpu, cpu),
      inferRatio: ratio(infer, ref.infer),
      reps: r.reps.length,
      note: r.truncated,
    });
  });
}

/** Process start to model summary printed, for netspec and for the PyTorch peer; to help printed, and to a Node process's first output. */
export interface StartupTimes {
  /** `netspec compile SPEC` (the built command: the live cross-check included). */
  netspec: number[];
  netspecError?: string;
  /** `netspec --help`. */
  help: number[];
  helpError?: string;
  /** `node -e` printing one line: Node's own start, the floor under netspec's. */
  node: number[];
  torch: number[];
  torchReason?: string;
}
