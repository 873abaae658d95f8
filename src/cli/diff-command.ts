// `netspec diff A.yaml B.yaml`: compiles both specs (no tfjs needed) and prints their summaries
// side by side with what changed, layer by layer and in total (src/emit/diff.ts). Exit 0 when
// both compile, whatever the differences; 1 when either has errors (all are printed); 2 for
// usage mistakes.
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import type { ModelDiff } from '../emit/diff.js';
import type { InferredModel } from '../types.js';
import { EXIT, printDiagnostics, UsageError } from './errors.js';
import { green, red, yellow } from './style.js';
import { requireExisting } from './args.js';

/** The diff as data, for scripts: every layer's figures on both sides and every total. */
function diffJson(diff: ModelDiff, labels: { a: string; b: string }): unknown {
  const side = (l: ModelDiff['layers'][number]['a']) =>
    l && {
      type: l.typeName,
      shape: l.outputShape,
      params: l.params.trainable + l.params.nonTrainable,
      mult_adds: l.multAdds,
      kept_bytes: l.keptBytes,
    };
  return {
    a: { file: labels.a, name: diff.a.ir.name },
    b: { file: labels.b, name: diff.b.ir.name },
    layers: diff.layers.map((d) => ({ name: d.name, status: d.status, changes: d.changes, a: side(d.a) ?? null, b: side(d.b) ?? null })),
    totals: diff.totals.map((t) => ({ figure: t.label, unit: t.unit === 'count' ? 'count' : 'bytes', a: t.a, b: t.b, change: t.b - t.a })),
  };
}

const colour = (line: string): string =>
  line.startsWith('~ ') ? yellow(line) : line.startsWith('+ ') ? green(line) : line.startsWith('- ') ? red(line) : line;

export async function diffCommand(fileA: string, fileB: string, flags: { json?: boolean }): Promise<number> {
  for (const f of [fileA, fileB]) {
    requireExisting(f, 'spec file');
    if (statSync(f).isDirectory()) throw new UsageError(`${f} is a folder; give two spec files`);
  }
  const { compileSpecFile } = await import('../compile/index.js');
  const { diffModels, renderDiff } = await import('../emit/diff.js');
  const results = [compileSpecFile(fileA), compileSpecFile(fileB)];
  const models: InferredModel[] = [];
  for (const r of results) {
    if (r.ok) models.push(r.model);
    else printDiagnostics(r.diagnostics);
  }
  if (models.length < 2) return EXIT.spec;
  const diff = diffModels(models[0]!, models[1]!);
  const labels = { a: fileA, b: fileB };
  if (flags.json) process.stdout.write(`${JSON.stringify(diffJson(diff, labels), null, 2)}\n`);
  else process.stdout.write(`${renderDiff(diff, labels).split('\n').map(colour).join('\n')}\n`);
  return EXIT.ok;
}

export function registerDiffCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('compare two specs: their summaries side by side, with what changed in shapes, parameters, multiply-adds and memory')
    .argument('<a>', 'the first spec file')
    .argument('<b>', 'the second spec file')
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      '\nLayers are matched by name; ~ marks a changed layer, + one only in B, - one only in A.\n\nExamples:\n  $ netspec diff specs/mnist-cnn.yaml specs/mnist-wide.yaml\n  $ netspec diff old.yaml new.yaml --json',
    )
    .action(async (a: string, b: string, o) => setExit(await diffCommand(a, b, o)));
}
