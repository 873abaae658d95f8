// The human-readable result: two aligned tables (throughput, startup) where every figure sits
// beside its ratio to PyTorch with 2 threads. Pure functions of the numbers, so tests can feed
// synthetic ones.
import { labelOf, median, ratio, REFERENCE_ID, type StartupTimes, type Summary } from './stats.js';
import type { RuntimeResult } from './types.js';

/** Rates keep three significant digits or so; thousands get separators. */
export function formatRate(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function formatSeconds(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(2);
}

/** Two significant digits below 1 (0.0052x stays readable), two decimals above. */
export function formatRatio(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 10) return `${value.toFixed(0)}×`;
  return value >= 0.1 ? `${value.toFixed(2)}×` : `${value.toPrecision(2)}×`;
}

/** Left-aligns the first column, right-aligns the others; short rows (n/a, FAILED) just end early. */
export function layout(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[i]!)))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

/** Why a table has no ratios: PyTorch with 2 threads, the reference, did not run or failed; undefined when it ran. */
export function referenceMissing(runtimes: readonly RuntimeResult[]): string | undefined {
  const torch = runtimes.find((r) => r.id === REFERENCE_ID);
  return torch?.status === 'ok' ? undefined : `PyTorch (2 threads) ${torch?.status === 'failed' ? 'failed' : 'was not available'}: ${torch?.reason}`;
}

export interface TableContext {
  spec: string;
  reps: number;
  /** Untimed training batches before the repetitions. */
  warmup: number;
  /** Shown when the reference is missing, e.g. "torch is not installed". */
  referenceMissing?: string;
}

export function formatThroughput(summaries: readonly Summary[], ctx: TableContext): string {
  const refLabel = labelOf(REFERENCE_ID);
  const head = [
    `Throughput of ${ctx.spec}, samples/s, median of ${ctx.reps} rounds (runtimes take turns; ${ctx.warmup} warm-up batches each)`,
    `(× = ratio to ${refLabel}; above 1 means faster than PyTorch)`,
  ];
  const rows: string[][] = [['runtime', 'train', `× torch`, 'inference', `× torch`]];
  const notes: string[] = [];
  for (const s of summaries) {
    if (s.status !== 'ok') {
      rows.push([s.label, s.status === 'failed' ? 'FAILED' : 'n/a']);
      notes.push(`${s.label}: ${s.status === 'failed' ? 'failed' : 'not available'}: ${s.reason}`);
      continue;
    }
    rows.push([s.label, formatRate(s.train), formatRatio(s.trainRatio), formatRate(s.infer), formatRatio(s.inferRatio)]);
    if (s.note) notes.push(`${s.label}: ${s.note}`);
  }
  if (ctx.referenceMissing) notes.push(`no ratios: ${ctx.referenceMissing}`);
  return [...head, '', layout(rows), ...(notes.length ? ['', ...notes.map((n) => `  ${n}`)] : [])].join('\n');
}

export function formatStartup(times: StartupTimes, reps: number): string {
  const bare = median(times.node);
  const theirs = median(times.torch);
  const rows: string[][] = [['', 'seconds', '× node', '× torch']];
  const row = (label: string, xs: number[], failed: boolean): string[] => {
    const m = median(xs);
    return [label, failed ? 'FAILED' : formatSeconds(m), formatRatio(failed ? undefined : ratio(m, bare)), formatRatio(failed ? undefined : ratio(m, theirs))];
  };
  rows.push(row('netspec --help', times.help, times.helpError !== undefined));
  rows.push(row('netspec compile (node + tfjs, live check, summary)', times.netspec, times.netspecError !== undefined));
  rows.push([
    'PyTorch (python + import torch, build model)',
    times.torchReason ? 'n/a' : formatSeconds(theirs),
    formatRatio(ratio(theirs, bare)),
    formatRatio(ratio(theirs, theirs)),
  ]);
  rows.push(['node -e (Node starting, printing one line)', formatSeconds(bare), formatRatio(ratio(bare, bare)), formatRatio(ratio(bare, theirs))]);
  const notes = [
    times.helpError && `netspec --help failed: ${times.helpError}`,
    times.netspecError && `netspec compile failed: ${times.netspecError}`,
    times.torchReason && `PyTorch: ${times.torchReason}`,
  ]
    .filter((n): n is string => Boolean(n))
    .map((n) => `  ${n}`);
  return [
    `Startup of the built command: process start until the model summary (compile) or the help is printed, median of ${reps}`,
    '(× node = ratio to `node -e`, × torch = ratio to PyTorch; below 1 means faster)',
    '',
    layout(rows),
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
}

/** Where a data-parallel step went (the worker's medians), one line per such runtime; none if there is none. */
export function formatReplicaSteps(results: readonly RuntimeResult[]): string[] {
  return results
    .filter((r) => r.status === 'ok' && r.steps)
    .map((r) => {
      const s = r.steps!;
      const f = (v: number) => v.toFixed(1);
      // Each part is the median over the steps of its slowest replica: the parts come from
      // different steps and replicas, so they need not add up to the step.
      return (
        `${labelOf(r.id)}, one step (${r.batchSize ?? '?'} samples): ${f(s.step)} ms at the median; the median of each part, ms: ${f(s.compute)} computing the shard's gradient,` +
        ` ${f(s.exchange)} at the exchange (waiting for the other replicas, then summing), ${f(s.update)} applying the sum (each the slowest replica's),` +
        ` ${f(s.other)} outside the replicas (shards, messages, the loop)`
      );
    });
}

/**
 * Work per training sample: CPU time of all threads over samples. On a machine other
 * processes keep busy, samples/s measures the share of the cores a runtime got as much as its
 * speed; CPU time per sample hardly moves with that share.
 */
export function formatCpuWork(summaries: readonly Summary[]): string {
  const rows: string[][] = [['runtime', 'CPU ms per sample', '× torch']];
  for (const s of summaries) {
    if (s.status !== 'ok' || s.trainCpuMsPerSample === undefined) continue;
    rows.push([s.label, s.trainCpuMsPerSample.toFixed(2), formatRatio(s.trainCpuRatio)]);
  }
  if (rows.length === 1) return '';
  return [
    'Training work: CPU time of all threads per sample, median (× = PyTorch with 2 threads over this; above 1 means less work than PyTorch)',
    '',
    layout(rows),
  ].join('\n');
}
