// The per-kernel table: each kernel's share of a training step and, for the products, how
// close it runs to the measured SIMD ceiling. Pure functions of the figures, like table.ts.
import type { Ceiling } from './ceiling.js';
import type { StepProfile } from './kernel-profile.js';
import { layout } from './table.js';

export interface KernelTableContext {
  /** e.g. "one replica's step (wasm, 1 thread, batch 32)". */
  what: string;
  /** Threads the profiled backend ran: the ceiling to compare with is one thread's or all of them. */
  threads: number;
}

/** Rows below this share of the step are summed into one line. */
const MIN_SHARE = 0.01;

const ms = (v: number) => v.toFixed(2);
const gflops = (flops: number, millis: number) => (millis > 0 ? flops / millis / 1e6 : 0);

/** The ceiling a run on `threads` threads is held to: one thread's, or all threads' at once. */
export function ceilingFor(ceiling: Ceiling, threads: number): number {
  return threads > 1 ? ceiling.used.allThreads : ceiling.used.oneThread;
}

export function formatCeiling(c: Ceiling): string {
  const kind = c.fused ? 'fused multiply-add (relaxed SIMD)' : 'multiply and add';
  const plain = c.plainOneThread !== undefined ? `; plain multiply and add: ${c.plainOneThread.toFixed(1)}` : '';
  return (
    `SIMD ceiling (register-only ${kind}): ${c.used.oneThread.toFixed(1)} GFLOP/s on one thread (best sample ${c.used.oneThreadBest.toFixed(1)}${plain}), ` +
    `${c.used.allThreads.toFixed(1)} on ${c.used.threads} threads at once`
  );
}

export function formatKernelTable(p: StepProfile, c: Ceiling, ctx: KernelTableContext): string {
  const limit = ceilingFor(c, ctx.threads);
  const pct = (rate: number) => (limit > 0 ? `${Math.round((100 * rate) / limit)}%` : '-');
  const rows: string[][] = [['kernel', 'calls', 'ms/step', 'GFLOP/s', '% of ceiling']];
  const shown = p.rows.filter((r) => r.msPerStep >= MIN_SHARE * p.stepMs);
  const rest = p.rows.filter((r) => r.msPerStep < MIN_SHARE * p.stepMs);
  for (const r of shown) {
    const rate = gflops(r.flopsPerStep, r.msPerStep);
    rows.push([
      r.label,
      String(Math.round(r.callsPerStep * 10) / 10),
      ms(r.msPerStep),
      r.flopsPerStep > 0 ? rate.toFixed(1) : '',
      r.flopsPerStep > 0 ? pct(rate) : '',
    ]);
  }
  if (rest.length > 0) {
    rows.push([
      `${rest.length} other kernels`,
      String(Math.round(rest.reduce((s, r) => s + r.callsPerStep, 0))),
      ms(rest.reduce((s, r) => s + r.msPerStep, 0)),
      '',
      '',
    ]);
  }
  rows.push(['outside kernels (tape, optimizer, JavaScript)', '', ms(p.outsideMs), '', '']);
  const whole = gflops(p.flopsPerStep, p.stepMs);
  rows.push(['whole step', String(Math.round(p.callsPerStep)), ms(p.stepMs), whole.toFixed(1), pct(whole)]);
  const clock =
    p.clock === 'cpu'
      ? `CPU time, so that waiting for a core on a shared machine counts nowhere; the step took ${ms(p.wallStepMs)} ms of wall time`
      : 'wall time';
  return [
    `Where ${ctx.what} goes, medians of ${p.steps} steps in ${clock} (calls: top-level kernel calls; the step's include nested ones)`,
    formatCeiling(c),
    `(% of ceiling: against ${ctx.threads > 1 ? `${ctx.threads} threads at once` : 'one thread'}; GFLOP/s only for the products, 2 per multiply-add)`,
    '',
    layout(rows),
  ].join('\n');
}

/** Kernel by kernel, one fast path off and on (profiled on alternate steps): where a change gains or loses. */
export function formatComparison(off: StepProfile, on: StepProfile, what: string): string {
  const labels = [...new Set([...off.rows, ...on.rows].map((r) => r.label))];
  const msOf = (p: StepProfile, label: string) => p.rows.find((r) => r.label === label)?.msPerStep ?? 0;
  const rows: string[][] = [['kernel', 'off ms', 'on ms', 'off - on']];
  const sorted = labels.map((l) => [l, msOf(off, l), msOf(on, l)] as const).sort((a, b) => Math.max(b[1], b[2]) - Math.max(a[1], a[2]));
  for (const [label, a, b] of sorted) {
    if (Math.max(a, b) < MIN_SHARE * Math.min(off.stepMs, on.stepMs)) continue;
    rows.push([label, ms(a), ms(b), (a - b >= 0 ? '+' : '') + ms(a - b)]);
  }
  rows.push(['outside kernels', ms(off.outsideMs), ms(on.outsideMs), (off.outsideMs - on.outsideMs >= 0 ? '+' : '') + ms(off.outsideMs - on.outsideMs)]);
  rows.push(['whole step', ms(off.stepMs), ms(on.stepMs), (off.stepMs - on.stepMs >= 0 ? '+' : '') + ms(off.stepMs - on.stepMs)]);
  return [
    `Per kernel without and with ${what}, medians of ${on.steps} alternate steps each, ${on.clock === 'cpu' ? 'CPU' : 'wall'} time`,
    '',
    layout(rows),
  ].join('\n');
}
