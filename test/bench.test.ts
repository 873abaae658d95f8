/** `netspec bench`: ratios and the table on synthetic figures, the JSON record's shape, and one tiny real worker run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { outcomeToResult, parseResult } from '../src/bench/children.js';
import { buildReport, defaultReportPath, machineInfo, REPORT_SCHEMA } from '../src/bench/report.js';
import { median, ratio, summarise } from '../src/bench/stats.js';
import { formatRate, formatRatio, formatStartup, formatThroughput } from '../src/bench/table.js';
import { RESULT_MARKER, type RepMeasurement, type RuntimeResult } from '../src/bench/types.js';
import { benchOtherSpec, formatOtherSpec, OTHER_SPEC_RUNTIMES } from '../src/bench/other-specs.js';
import { benchSpecs } from '../src/cli/bench-command.js';
import { UsageError } from '../src/cli/errors.js';
import { ROOT, runCli, tempDir } from './helpers.js';

/** Repetitions with the given train and inference rates (samples/s). */
function reps(train: number[], infer: number[]): RepMeasurement[] {
  return train.map((t, i) => ({
    trainSamples: 1280,
    trainSeconds: 1280 / t,
    trainSamplesPerSec: t,
    inferSamples: 1024,
    inferSeconds: 1024 / infer[i]!,
    inferSamplesPerSec: infer[i]!,
  }));
}

const RESULTS: RuntimeResult[] = [
  { id: 'wasm-2', status: 'ok', reason: 'wasm', reps: reps([100, 300, 200], [1000, 900, 5000]) },
  { id: 'cpu', status: 'ok', reason: 'cpu', reps: reps([2], [10]), truncated: '1 of 3 repetitions: the 40 s time budget ran out' },
  { id: 'node', status: 'unavailable', reason: 'tfjs-node is not installed', reps: [] },
  { id: 'torch-2', status: 'ok', reason: 'torch', reps: reps([800, 400, 300], [2000, 2500, 1500]) },
  { id: 'torch-1', status: 'failed', reason: 'exit code 1: boom', reps: [] },
];

test('median ignores order and non-finite values; ratio needs two positive numbers', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([NaN, 5]), 5);
  assert.equal(median([]), undefined);
  assert.equal(ratio(100, 400), 0.25);
  assert.equal(ratio(100, undefined), undefined);
  assert.equal(ratio(0, 400), undefined);
  assert.equal(ratio(100, 0), undefined);
});

test('summaries: medians per runtime and ratios to PyTorch with 2 threads', () => {
  const [wasm, cpu, node, torch2, torch1] = summarise(RESULTS);
  assert.equal(wasm!.train, 200);
  assert.equal(wasm!.infer, 1000);
  assert.equal(wasm!.trainRatio, 0.5); // 200 / median(800, 400, 300)
  assert.equal(wasm!.inferRatio, 0.5); // 1000 / 2000
  assert.equal(cpu!.trainRatio, 2 / 400);
  assert.equal(cpu!.note, '1 of 3 repetitions: the 40 s time budget ran out');
  assert.equal(node!.train, undefined);
  assert.equal(node!.trainRatio, undefined);
  assert.equal(torch2!.trainRatio, 1);
  assert.equal(torch1!.status, 'failed');
});

test('without a PyTorch reference there are figures but no ratios', () => {
  const [wasm] = summarise(RESULTS.filter((r) => !r.id.startsWith('torch')));
  assert.equal(wasm!.train, 200);
  assert.equal(wasm!.trainRatio, undefined);
});

test('number formatting: separators for thousands, two significant digits for small ratios', () => {
  assert.equal(formatRate(12345.6), '12,346');
  assert.equal(formatRate(45.67), '45.7');
  assert.equal(formatRate(6.123), '6.12');
  assert.equal(formatRate(undefined), '-');
  assert.equal(formatRatio(0.5), '0.50×');
  assert.equal(formatRatio(0.005), '0.0050×');
  assert.equal(formatRatio(1.234), '1.23×');
  assert.equal(formatRatio(12.4), '12×');
  assert.equal(formatRatio(undefined), '-');
});

test('throughput table: every figure beside its ratio, unavailable and failed runtimes explained', () => {
  const text = formatThroughput(summarise(RESULTS), { spec: 'specs/mnist-cnn.yaml', reps: 3, warmup: 20 });
  const line = (label: string): string => text.split('\n').find((l) => l.startsWith(label)) ?? '';
  assert.match(text, /median of 3 rounds \(runtimes take turns; 20 warm-up batches each\)/);
  assert.match(line('netspec wasm, 2 threads'), /200\s+0\.50×\s+1,000\s+0\.50×$/);
  assert.match(line('PyTorch, 2 threads'), /400\s+1\.00×\s+2,000\s+1\.00×$/);
  assert.match(line('netspec cpu'), /2\.00\s+0\.0050×\s+10\.0\s+0\.0050×$/);
  assert.match(line('netspec tfjs-node'), /n\/a$/);
  assert.match(line('PyTorch, 1 thread'), /FAILED$/);
  assert.match(text, /netspec tfjs-node: not available: tfjs-node is not installed/);
  assert.match(text, /PyTorch, 1 thread: failed: exit code 1: boom/);
  assert.match(text, /netspec cpu \(pure JS\): 1 of 3 repetitions/);
  // Columns line up: the ratio columns end at the same offset on every full row.
  const full = text.split('\n').filter((l) => /×$/.test(l));
  assert.equal(new Set(full.map((l) => l.length)).size, 1);
});

test('startup table: seconds and the ratios to node -e and to PyTorch, or why PyTorch is missing', () => {
  const text = formatStartup({ netspec: [3, 2, 4], help: [0.5, 0.3, 0.4], node: [0.2, 0.1, 0.2], torch: [1.5, 1.5, 1.4] }, 3);
  assert.match(text, /netspec --help .*0\.40\s+2\.00×\s+0\.27×$/m);
  assert.match(text, /netspec compile .*3\.00\s+15×\s+2\.00×$/m);
  assert.match(text, /PyTorch .*1\.50\s+7\.50×\s+1\.00×$/m);
  assert.match(text, /node -e .*0\.20\s+1\.00×\s+0\.13×$/m);
  const without = formatStartup({ netspec: [3], help: [], helpError: 'exit code 1', node: [0.2], torch: [], torchReason: 'skipped with --no-torch' }, 1);
  assert.match(without, /PyTorch .*n\/a\s+-\s+-$/m);
  assert.match(without, /netspec --help .*FAILED\s+-\s+-$/m);
  assert.match(without, /PyTorch: skipped with --no-torch/);
  assert.match(without, /netspec --help failed: exit code 1/);
});

test('JSON record: machine, configuration, raw repetitions and the summary, and it round-trips', () => {
  const started = new Date('2026-01-02T03:04:05.678Z');
  const report = buildReport({
    started,
    finished: new Date(started.getTime() + 61_000),
    machine: machineInfo(),
    config: {
      spec: 'specs/mnist-cnn.yaml',
      reps: 3,
      batches: 20,
      warmupBatches: 20,
      inferBatches: 4,
      inferBatchSize: 256,
      batchSize: 64,
      optimizer: 'adam 0.001',
      configs: ['wasm-2', 'cpu', 'node'],
      budgetSeconds: { 'wasm-2': 90 },
      torch: { requested: true, python: '/usr/bin/python3', version: '1.13.0' },
      startupReps: 3,
    },
    startup: { netspec: [3, 2, 4], help: [0.5, 0.3, 0.4], node: [0.2, 0.1, 0.2], torch: [1.5, 1.5, 1.4] },
    runtimes: RESULTS,
  });
  const back = JSON.parse(JSON.stringify(report)) as typeof report;
  assert.deepEqual(back, report);
  assert.equal(report.schema, REPORT_SCHEMA);
  assert.deepEqual(Object.keys(report).sort(), ['config', 'durationSeconds', 'finishedAt', 'machine', 'runtimes', 'schema', 'startedAt', 'startup', 'summary']);
  assert.equal(report.durationSeconds, 61);
  assert.ok(report.machine.cpus >= 1);
  assert.match(report.machine.node, /^v\d+/);
  assert.equal(report.machine.loadAverageStart.length, 3);
  assert.equal(report.machine.loadAverageEnd?.length, 3);
  assert.equal(report.runtimes[0]!.reps.length, 3);
  assert.deepEqual(
    report.summary.map((s) => s.id),
    ['wasm-2', 'cpu', 'node', 'torch-2', 'torch-1'],
  );
  assert.equal(defaultReportPath(started), 'bench-results/bench-2026-01-02T03-04-05Z.json');
});

test('with no spec named, the bench measures the default spec and then the example graph specs the project has', () => {
  const cwd = process.cwd();
  try {
    process.chdir(ROOT);
    assert.deepEqual(benchSpecs([]), { spec: 'specs/mnist-cnn.yaml', otherSpecs: ['specs/resnet-mini.yaml', 'specs/mobilenet-mini.yaml'] });
    assert.deepEqual(benchSpecs(['specs/resnet-mini.yaml']), { spec: 'specs/resnet-mini.yaml', otherSpecs: [] });
    assert.deepEqual(benchSpecs(['specs/mnist-cnn.yaml', 'specs/resnet-mini.yaml']), { spec: 'specs/mnist-cnn.yaml', otherSpecs: ['specs/resnet-mini.yaml'] });
    assert.throws(
      () => benchSpecs(['specs/mnist-cnn.yaml', 'specs/nope.yaml']),
      (e: unknown) => e instanceof UsageError && /specs\/nope\.yaml does not exist/.test(e.message),
    );
    // A project without the example specs (an installed package's, say) benches its default spec alone,
    const project = tempDir();
    process.chdir(project);
    mkdirSync('specs');
    copyFileSync(join(ROOT, 'specs', 'mnist-cnn.yaml'), join('specs', 'mnist-cnn.yaml'));
    assert.deepEqual(benchSpecs([]), { spec: 'specs/mnist-cnn.yaml', otherSpecs: [] });
    // and one without the default spec is told so.
    process.chdir(tempDir());
    assert.throws(() => benchSpecs([]), /specs\/mnist-cnn\.yaml does not exist/);
  } finally {
    process.chdir(cwd);
  }
});

test('a further spec has its own table: the default mode and one process beside PyTorch, or why there is no ratio', () => {
  const runtimes: RuntimeResult[] = [
    { id: 'wasm-dp2', status: 'ok', reason: 'wasm', reps: reps([150, 170, 160], [1300, 1200, 1250]) },
    { id: 'wasm-2', status: 'ok', reason: 'wasm', reps: reps([120, 100, 110], [2500, 2400, 2460]) },
    { id: 'torch-2', status: 'ok', reason: 'torch', reps: reps([400, 380, 390], [1200, 1250, 1230]) },
  ];
  const text = formatOtherSpec({ spec: 'specs/mobilenet-mini.yaml', runtimes, summary: summarise(runtimes) }, 3, 50);
  assert.match(text, /^Throughput of specs\/mobilenet-mini\.yaml/);
  assert.match(text, /netspec wasm, 2 replicas x 1 thread\s+160\s+0\.41×\s+1,250\s+1\.02×/);
  // The one-process row carries predict's inference (2 threads): 2,460 / 1,230.
  assert.match(text, /netspec wasm, 2 threads\s+110\s+0\.28×\s+2,460\s+2\.00×/);
  const alone = [runtimes[0]!, { id: 'torch-2', status: 'unavailable', reason: 'no python with torch', reps: [] } satisfies RuntimeResult];
  assert.match(
    formatOtherSpec({ spec: 's.yaml', runtimes: alone, summary: summarise(alone) }, 3, 50),
    /no ratios: PyTorch \(2 threads\) was not available: no python with torch/,
  );
});

test('a further spec that does not compile is a failed row for each runtime, with the message of the compiler', async () => {
  const dir = tempDir();
  const spec = join(dir, 'broken.yaml');
  writeFileSync(spec, 'name: broken\ninput: [28, 28, 1]\nlayers:\n  - { kind: conv2D, filters: 8, kernel: 3 }\n');
  const result = await benchOtherSpec({
    spec,
    reps: 1,
    plan: () => ({ spec, reps: 1, batches: 1, warmupBatches: 1, inferBatches: 1, inferBatchSize: 1, budgetSeconds: 1 }),
    budgets: { replicas: 1, oneProcess: 1, torch: 1 },
    probe: { reason: 'not probed in this test' },
    log: () => {},
  });
  assert.deepEqual(
    result.runtimes.map((r) => [r.id, r.status]),
    OTHER_SPEC_RUNTIMES.map((id) => [id, 'failed']),
  );
  for (const r of result.runtimes) assert.match(r.reason, /broken\.yaml:4:\d+: unknown layer kind 'conv2D'; did you mean 'conv2d'\?/);
  assert.match(formatOtherSpec(result, 1, 1), /FAILED/);
});

test('a child result is the marked line; anything else becomes a failed row with the reason', () => {
  const good: RuntimeResult = { id: 'wasm-1', status: 'ok', reason: 'wasm', reps: reps([1], [2]) };
  const stdout = `banner\n${RESULT_MARKER}${JSON.stringify(good)}\n`;
  assert.deepEqual(parseResult(stdout), good);
  assert.deepEqual(outcomeToResult('wasm-1', { code: 0, stdout, stderr: '', timedOut: false }), good);
  const crashed = outcomeToResult('wasm-1', { code: 1, stdout: '', stderr: 'Error: out of memory\n', timedOut: false });
  assert.equal(crashed.status, 'failed');
  assert.match(crashed.reason, /exit code 1: Error: out of memory/);
  assert.match(outcomeToResult('cpu', { code: null, stdout: '', stderr: '', timedOut: true }).reason, /timed out/);
});

test('smoke: a wasm worker with 2 batches returns positive figures (no speed threshold)', () => {
  const run = runCli(['bench', '--worker', 'wasm-1', '--batches', '2', '--warmup', '1', '--reps', '1', '--infer-batches', '1', '--infer-batch-size', '64']);
  assert.equal(run.status, 0, run.stderr);
  const result = parseResult(run.stdout);
  assert.ok(result, run.stdout);
  assert.equal(result.status, 'ok', result.reason);
  assert.equal(result.backend, 'wasm');
  assert.equal(result.reps.length, 1);
  const [rep] = result.reps;
  assert.equal(rep!.trainSamples, 128);
  assert.equal(rep!.inferSamples, 64);
  for (const v of [rep!.trainSamplesPerSec, rep!.inferSamplesPerSec, rep!.trainSeconds, rep!.inferSeconds]) assert.ok(v > 0 && Number.isFinite(v));
});
