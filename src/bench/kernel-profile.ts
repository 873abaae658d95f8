// Where a training step's time goes, kernel by kernel: every kernel the backend has is
// re-registered with a timer around it while some steps run, then put back. A kernel's row
// gets the time of its calls made from outside any other kernel, with whatever those calls
// run inside (the conv gradients run pads, transposes and slices of their own), so the rows
// partition the time spent in kernels, and the rest of the step is "outside kernels" (the
// gradient tape, the optimizer's bookkeeping, reading results back, the training loop).
//
// Rows are per kernel and per geometry (each conv layer is its own row), with the floating-
// point work of the products (convolutions and matrix products, 2 per multiply-add), so the
// table can say how close each one runs to the machine's SIMD ceiling (ceiling.ts).
// tf.profile was not used: its bookkeeping per kernel made some kernels look up to 2.5x
// slower than they run.
//
// The clock is the process's CPU time by default: on a shared machine a step's wall time also
// holds the time the thread waited for a core, which lands on whichever kernel was running and
// swamps everything else (a 120 ms step with 70 ms "outside kernels" at a load of 10 on 2
// cores). CPU time counts only what ran. The wall time of the step is kept beside it.
import * as tf from '@tensorflow/tfjs';

export interface KernelRow {
  kernel: string;
  /** The kernel with its geometry, e.g. "Conv2D 13x13x32 -> 11x11x64, 3x3". */
  label: string;
  callsPerStep: number;
  msPerStep: number;
  /** Floating-point operations per step; 0 for kernels that only move or compare data. */
  flopsPerStep: number;
}

export type ProfileClock = 'cpu' | 'wall';

export interface StepProfile {
  steps: number;
  /** What the ms figures measure: CPU time of the process (default) or wall time. */
  clock: ProfileClock;
  /** Median time of a profiled step, by `clock`. */
  stepMs: number;
  /** Median wall time of a profiled step. */
  wallStepMs: number;
  /** Time inside kernels per step (the rows' sum). */
  kernelMs: number;
  /** stepMs - kernelMs: JavaScript outside kernels. */
  outsideMs: number;
  /** Kernel calls per step, nested ones included. */
  callsPerStep: number;
  flopsPerStep: number;
  /** Heaviest first. */
  rows: KernelRow[];
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
const dims = (s: readonly number[]) => s.join('x');

function pairOf(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1])];
  const n = Number(v ?? 1);
  return [n, n];
}

/** A readable geometry and the multiply-add work of the products; null for other kernels. */
export function describeCall(kernel: string, { inputs, attrs = {} }: Pick<KernelArgs, 'inputs' | 'attrs'>): { label: string; flops: number } | null {
  const shape = (name: string): number[] => [...(inputs[name]?.shape ?? [])];
  const conv = (x: number[], f: number[], y: number[]) => ({
    label: `${kernel} ${dims(x.slice(1))} -> ${dims(y.slice(1))}, ${f[0]}x${f[1]}`,
    flops: 2 * y.reduce((a, b) => a * b, 1) * f[0]! * f[1]! * f[2]!,
  });
  const outOf = (x: number[], f: number[]) => {
    const info = tf.backend_util.computeConv2DInfo(
      x as [number, number, number, number],
      f as [number, number, number, number],
      pairOf(attrs.strides),
      pairOf(attrs.dilations ?? 1),
      attrs.pad as 'valid',
      attrs.dimRoundingMode as undefined,
    );
    return [x[0]!, info.outHeight, info.outWidth, f[3]!];
  };
  switch (kernel) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const x = shape('x');
      const f = shape('filter');
      return x.length === 4 && f.length === 4 ? conv(x, f, outOf(x, f)) : null;
    }
    case 'Conv2DBackpropFilter': {
      const x = shape('x');
      const f = [...((attrs.filterShape as number[]) ?? [])];
      return x.length === 4 && f.length === 4 ? conv(x, f, shape('dy')) : null;
    }
    case 'Conv2DBackpropInput': {
      const x = [...((attrs.inputShape as number[]) ?? [])];
      const f = shape('filter');
      return x.length === 4 && f.length === 4 ? conv(x, f, shape('dy')) : null;
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const a = shape('a');
      const b = shape('b');
      if (a.length < 2 || b.length < 2) return null;
      const [m, k] = attrs.transposeA === true ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
      const n = attrs.transposeB === true ? b.at(-2)! : b.at(-1)!;
      const batch = a.slice(0, -2).reduce((p, q) => p * q, 1);
      return { label: `${kernel} ${m}x${k} . ${k}x${n}`, flops: 2 * batch * m * n * k };
    }
    default:
      return null;
  }
}

/** Per step: each row's time, and the step's wall time and kernel calls. */
interface Tally {
  rows: Map<string, { kernel: string; label: string; calls: number; flops: number; ms: number[] }>;
  calls: number;
  time: number[];
  wall: number[];
  steps: number;
}

const newTally = (): Tally => ({ rows: new Map(), calls: 0, time: [], wall: [], steps: 0 });

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
const clocks: Record<ProfileClock, () => number> = { cpu: cpuMs, wall: () => performance.now() };

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Medians over the steps, per row and for the step: on a shared machine one preempted step
 * would otherwise charge its pause to whichever kernel was running. So the rows add up to
 * the step only roughly, and "outside kernels" is the median step less the rows' sum.
 */
function summary(t: Tally, clock: ProfileClock): StepProfile {
  const steps = Math.max(t.steps, 1);
  const rows = [...t.rows.values()]
    .map((r): KernelRow => ({
      kernel: r.kernel,
      label: r.label,
      callsPerStep: r.calls / steps,
      msPerStep: median([...r.ms, ...Array<number>(Math.max(0, t.steps - r.ms.length)).fill(0)]),
      flopsPerStep: r.flops / steps,
    }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  const kernelMs = rows.reduce((s, r) => s + r.msPerStep, 0);
  const stepMs = median(t.time);
  return {
    steps: t.steps,
    clock,
    stepMs,
    wallStepMs: median(t.wall),
    kernelMs,
    outsideMs: Math.max(0, stepMs - kernelMs),
    callsPerStep: t.calls / steps,
    flopsPerStep: rows.reduce((s, r) => s + r.flopsPerStep, 0),
    rows,
  };
}

/**
 * Runs `steps` steps with every kernel of the active backend timed, then restores the kernels;
 * `tallyFor(i)` says which tally step i counts in (and may switch something before it runs).
 */
/** What a profile may do between steps, untimed (e.g. CeilingSampler.sample). */
export type BetweenSteps = () => void;

async function timedSteps(
  step: () => Promise<unknown>,
  steps: number,
  tallyFor: (i: number) => Tally,
  clock: ProfileClock,
  between?: BetweenSteps,
): Promise<void> {
  const now = clocks[clock];
  const backendName = tf.getBackend();
  const originals = tf.getKernelsForBackend(backendName);
  let tally = newTally();
  let depth = 0;
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        tally.calls++;
        if (depth > 0) return k.kernelFunc(args);
        depth++;
        const t0 = now();
        try {
          return k.kernelFunc(args);
        } finally {
          const ms = now() - t0;
          depth--;
          const what = describeCall(k.kernelName, args);
          const label = what?.label ?? k.kernelName;
          const row = tally.rows.get(label) ?? { kernel: k.kernelName, label, calls: 0, flops: 0, ms: [] };
          row.calls++;
          // This step's entry: rows are per step, and a kernel called twice in a step adds up.
          if (row.ms.length === tally.steps + 1) row.ms[tally.steps]! += ms;
          else row.ms.push(...Array<number>(tally.steps - row.ms.length).fill(0), ms);
          row.flops += what?.flops ?? 0;
          tally.rows.set(label, row);
        }
      },
    });
  }
  try {
    for (let i = 0; i < steps; i++) {
      tally = tallyFor(i);
      const t0 = now();
      const w0 = performance.now();
      await step();
      tally.time.push(now() - t0);
      tally.wall.push(performance.now() - w0);
      tally.steps++;
      between?.();
    }
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, backendName);
      tf.registerKernel(k);
    }
  }
}

/** Profiles `steps` steps. The caller warms up first: the first steps of a process include compiling. */
export async function profileSteps(step: () => Promise<unknown>, steps: number, clock: ProfileClock = 'cpu', between?: BetweenSteps): Promise<StepProfile> {
  const tally = newTally();
  await timedSteps(step, steps, () => tally, clock, between);
  return summary(tally, clock);
}

/** Profiles `steps` steps with `set(true)` and as many with `set(false)`, alternately, so both see the same load. */
export async function profileAlternating(
  step: () => Promise<unknown>,
  steps: number,
  set: (on: boolean) => void,
  clock: ProfileClock = 'cpu',
): Promise<{ on: StepProfile; off: StepProfile }> {
  const on = newTally();
  const off = newTally();
  try {
    await timedSteps(
      step,
      2 * steps,
      (i) => {
        set(i % 2 === 0);
        return i % 2 === 0 ? on : off;
      },
      clock,
    );
  } finally {
    set(true);
  }
  return { on: summary(on, clock), off: summary(off, clock) };
}
