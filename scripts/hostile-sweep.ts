// The hostile-input sweep: a few hundred misuses of the CLI (outputs that cannot be written,
// inputs that are devices, pipes or sockets, tampered and half-made run folders, absurd flags,
// specs tfjs refuses, signals mid-run, characters that hide code), each in a throwaway project.
// Every case must end with exit 0, 1, 2, 130 or 143 (or by the signal it was sent), print no
// stack trace, finish within 20 s, write nothing outside its named output, and leave no run
// folder that `--resume` cannot explain. Run as root on Linux: some cases mount a read-only
// tmpfs. Takes about ten minutes on 2 cores.
//
//   node --import tsx scripts/hostile-sweep.ts [substring of case names]
import { CASES } from './hostile/cases.js';
import { cleanup, runCase, type Verdict } from './hostile/harness.js';

const filter = process.argv[2];
const cases = CASES.filter((c) => !filter || `${c.cls}: ${c.name}`.includes(filter));
const verdicts: Verdict[] = [];
try {
  for (const [i, c] of cases.entries()) {
    const v = await runCase(c);
    verdicts.push(v);
    const mark = v.ok ? 'ok  ' : 'FAIL';
    process.stdout.write(`${mark} ${String(i + 1).padStart(3)}/${cases.length} [${c.cls}] ${c.name}\n       ${v.outcome}\n`);
    for (const problem of v.problems) process.stdout.write(`       ! ${problem}\n`);
  }
} finally {
  cleanup();
}

const classes = [...new Set(verdicts.map((v) => v.cls))];
process.stdout.write('\n| class | cases | passed | failed |\n| --- | --- | --- | --- |\n');
for (const cls of classes) {
  const of = verdicts.filter((v) => v.cls === cls);
  process.stdout.write(`| ${cls} | ${of.length} | ${of.filter((v) => v.ok).length} | ${of.filter((v) => !v.ok).length} |\n`);
}
const failed = verdicts.filter((v) => !v.ok);
process.stdout.write(`| all | ${verdicts.length} | ${verdicts.length - failed.length} | ${failed.length} |\n`);
process.exitCode = failed.length ? 1 : 0;
