// The hostile cases of the sweep, by class. Each names its command, how it spoils the project
// first, what it may write, and where it matters, the exit code and words it must end with.

import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { hashedName } from '../../src/train/model-io.js';
import { specText, type Case, type Project } from './harness.js';

const fifo = (path: string): void => void spawnSync('mkfifo', [path]);
const socket = (path: string): void => void spawnSync('python3', ['-c', `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(path)})`]);
/** A read-only tmpfs at <project>/mnt-ro, holding a copy of `fill` when given. */
const mountReadOnly = (p: Project, fill?: string): string => {
  const dir = join(p.dir, 'mnt-ro');
  mkdirSync(dir);
  spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
  if (fill) spawnSync('cp', ['-a', `${fill}/.`, dir]);
  spawnSync('mount', ['-o', 'remount,ro', dir]);
  return dir;
};
const unmount = (p: Project): void => void spawnSync('umount', [join(p.dir, 'mnt-ro')]);
const file = (p: Project, name: string, text = 'x'): string => {
  const path = join(p.dir, name);
  writeFileSync(path, text);
  return path;
};
const json = (path: string): Record<string, any> => JSON.parse(readFileSync(path, 'utf8'));
const editJson = (path: string, edit: (j: Record<string, any>) => void): void => {
  const j = json(path);
  edit(j);
  writeFileSync(path, JSON.stringify(j));
};
const weightsOf = (run: string): string => readdirSync(run).find((f) => f.startsWith('weights-'))!;
const optimizerOf = (run: string): string => readdirSync(run).find((f) => f.startsWith('optimizer-'))!;
const state = (run: string, edit: (s: Record<string, any>) => void): void =>
  editJson(join(run, 'model.json'), (m) => edit(m.userDefinedMetadata.netspec_training_state));
const layers = (m: Record<string, any>): Record<string, any>[] => m.modelTopology.config.layers;

const RUNS = [/^runs(\/|$)/];
const GENERATED = [/^generated(\/|$)/, /^reports(\/|$)/];
/** A run folder's records and model files: what evaluate, resume and report may rewrite. */
const RUN_FILES = [/^runs\/quarters\/done(\/|$)/];

// --- Output paths -------------------------------------------------------------------------
const outputs: Case[] = [
  ...(['compile', 'report'] as const).flatMap((cmd): Case[] => {
    const flag = cmd === 'compile' ? '--out-dir' : '--out';
    const base = cmd === 'compile' ? ['compile', 'quarters.yaml', '-q'] : ['report', 'quarters.yaml'];
    return [
      {
        cls: 'output paths',
        name: `${cmd} ${flag} names a file`,
        setup: (p) => void file(p, 'afile'),
        args: () => [...base, flag, 'afile'],
        codes: [1],
        says: cmd === 'compile' ? /afile: already exists and is not a folder/ : /afile: a part of the path is not a folder/,
      },
      {
        cls: 'output paths',
        name: `${cmd} ${flag} below a file`,
        setup: (p) => void file(p, 'afile'),
        args: () => [...base, flag, 'afile/sub/x'],
        codes: [1],
        says: /afile: a part of the path is not a folder/,
      },
      {
        cls: 'output paths',
        name: `${cmd} ${flag} /proc`,
        args: () => [...base, flag, '/proc/netspec-out'],
        codes: [1],
        says: /\/proc\/netspec-out: operation not permitted/,
      },
      { cls: 'output paths', name: `${cmd} ${flag} under /sys`, args: () => [...base, flag, '/sys/kernel/netspec-out'], codes: [1] },
      { cls: 'output paths', name: `${cmd} ${flag} /dev/null`, args: () => [...base, flag, '/dev/null'], codes: [1], says: /\/dev\/null/ },
      {
        cls: 'output paths',
        name: `${cmd} ${flag} on a read-only file system`,
        setup: (p) => void mountReadOnly(p),
        teardown: unmount,
        args: () => [...base, flag, 'mnt-ro/out'],
        codes: [1],
        says: /read-only file system \(EROFS\)/,
      },
      { cls: 'output paths', name: `${cmd} ${flag} a named pipe`, setup: (p) => fifo(join(p.dir, 'pipe')), args: () => [...base, flag, 'pipe'], codes: [1] },
      {
        cls: 'output paths',
        name: `${cmd} ${flag} a symlink loop`,
        setup: (p) => (symlinkSync('loop-b', join(p.dir, 'loop-a')), symlinkSync('loop-a', join(p.dir, 'loop-b'))),
        args: () => [...base, flag, 'loop-a'],
        codes: [1],
        says: /symbolic links/,
      },
      {
        cls: 'output paths',
        name: `${cmd} ${flag} with a name too long`,
        args: () => [...base, flag, `${'n'.repeat(300)}/x`],
        codes: [1],
        says: /too long \(ENAMETOOLONG\)/,
      },
      { cls: 'output paths', name: `${cmd} ${flag} empty`, args: () => [...base, flag, ''], codes: [2], says: new RegExp(`${flag} is empty`) },
    ];
  }),
  {
    cls: 'output paths',
    name: 'compile --report-dir names a file',
    setup: (p) => void file(p, 'afile'),
    args: () => ['compile', 'quarters.yaml', '-q', '--report-dir', 'afile'],
    codes: [1],
    says: /afile: already exists and is not a folder/,
  },
  { cls: 'output paths', name: 'compile --report-dir under /proc', args: () => ['compile', 'quarters.yaml', '-q', '--report-dir', '/proc/x/y'], codes: [1] },
  {
    cls: 'output paths',
    name: 'compile: generated/<name>.ts is a folder',
    setup: (p) => mkdirSync(join(p.dir, 'generated', 'quarters.ts'), { recursive: true }),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
    writes: [/^generated(\/(keras|pytorch)(\/quarters\.py)?)?$/],
    codes: [1],
    says: /generated\/quarters\.ts: is a folder/,
  },
  {
    cls: 'output paths',
    name: 'compile: generated/<name>.ts is a named pipe',
    setup: (p) => (mkdirSync(join(p.dir, 'generated')), fifo(join(p.dir, 'generated', 'quarters.ts'))),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
    writes: [/^generated(\/(keras|pytorch)(\/quarters\.py)?)?$/],
    codes: [1],
    says: /named pipe/,
  },
  {
    cls: 'output paths',
    name: 'compile: generated/<name>.ts links to /dev/zero',
    setup: (p) => (mkdirSync(join(p.dir, 'generated')), symlinkSync('/dev/zero', join(p.dir, 'generated', 'quarters.ts'))),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
    writes: [/^generated(\/(keras|pytorch)(\/quarters\.py)?)?$/],
    codes: [1],
    says: /character device/,
  },
  {
    cls: 'output paths',
    name: 'compile --check: generated/<name>.ts is a named pipe',
    setup: (p) => (mkdirSync(join(p.dir, 'generated')), fifo(join(p.dir, 'generated', 'quarters.ts'))),
    args: () => ['compile', 'quarters.yaml', '-q', '--check'],
    codes: [1],
  },
  {
    cls: 'output paths',
    name: 'compile: a failing output fails that spec only',
    setup: (p) => (
      mkdirSync(join(p.dir, 'generated', 'quarters.ts'), { recursive: true }),
      writeFileSync(join(p.dir, 'other.yaml'), specText({ name: 'other' }))
    ),
    args: () => ['compile', 'quarters.yaml', 'other.yaml', '-q', '--no-report'],
    writes: [/^generated\/other\.ts$/, /^generated(\/(keras|pytorch)(\/(other|quarters)\.py)?)?$/],
    codes: [1],
    after: (p) => (existsSync(join(p.dir, 'generated', 'other.ts')) ? undefined : 'the other spec was not written'),
  },
  {
    cls: 'output paths',
    name: 'compile: reports/<name> is a file',
    setup: (p) => (mkdirSync(join(p.dir, 'reports')), file(p, 'reports/quarters')),
    args: () => ['compile', 'quarters.yaml', '-q'],
    writes: [/^generated(\/|$)/],
    codes: [1],
  },
  {
    cls: 'output paths',
    name: 'compile: reports/<name>/index.html is a folder',
    setup: (p) => mkdirSync(join(p.dir, 'reports', 'quarters', 'index.html'), { recursive: true }),
    args: () => ['compile', 'quarters.yaml', '-q'],
    writes: [/^generated(\/|$)/, /^reports\/quarters\/architecture\.svg$/, /^reports\/quarters$/],
    codes: [1],
  },
  {
    cls: 'output paths',
    name: 'init --specs-dir names a file',
    setup: (p) => void file(p, 'afile'),
    args: () => ['init', 'my-net', '--specs-dir', 'afile'],
    codes: [1],
    says: /afile: already exists and is not a folder/,
  },
  {
    cls: 'output paths',
    name: 'init --specs-dir below a file',
    setup: (p) => void file(p, 'afile'),
    args: () => ['init', 'my-net', '--specs-dir', 'afile/x'],
    codes: [1],
  },
  { cls: 'output paths', name: 'init --specs-dir under /proc', args: () => ['init', 'my-net', '--specs-dir', '/proc/specs'], codes: [1] },
  {
    cls: 'output paths',
    name: 'init --specs-dir read-only',
    setup: (p) => void mountReadOnly(p),
    teardown: unmount,
    args: () => ['init', 'my-net', '--specs-dir', 'mnt-ro/specs'],
    codes: [1],
    says: /EROFS/,
  },
  {
    cls: 'output paths',
    name: 'init --force onto a folder',
    setup: (p) => mkdirSync(join(p.dir, 'specs', 'my-net.yaml'), { recursive: true }),
    args: () => ['init', 'my-net', '--force'],
    codes: [1],
    says: /is a folder|it is a folder/,
  },
  {
    cls: 'output paths',
    name: 'init --force onto a named pipe',
    setup: (p) => (mkdirSync(join(p.dir, 'specs')), fifo(join(p.dir, 'specs', 'my-net.yaml'))),
    args: () => ['init', 'my-net', '--force'],
    codes: [1],
    says: /named pipe/,
  },
  ...(['afile', 'afile/x', '/proc', '/sys/kernel', '/dev/null', 'mnt-ro/runs', 'pipe', 'loop-a'] as const).map((out): Case => ({
    cls: 'output paths',
    name: `train --out ${out}`,
    setup: (p) => {
      file(p, 'afile');
      fifo(join(p.dir, 'pipe'));
      symlinkSync('loop-b', join(p.dir, 'loop-a'));
      symlinkSync('loop-a', join(p.dir, 'loop-b'));
      if (out.startsWith('mnt-ro')) mountReadOnly(p);
    },
    ...(out.startsWith('mnt-ro') ? { teardown: unmount } : {}),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu', '--out', out],
    codes: [1],
  })),
  {
    cls: 'output paths',
    name: 'train: runs/<spec> is a file',
    setup: (p) => (mkdirSync(join(p.dir, 'runs')), file(p, 'runs/quarters')),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
    says: /runs\/quarters: already exists and is not a folder/,
  },
  {
    cls: 'output paths',
    name: 'report on a run whose report.html is a folder',
    needsRun: true,
    setup: (p) => (rmSync(join(p.run, 'report.html')), mkdirSync(join(p.run, 'report.html'))),
    args: (p) => ['report', p.run],
    writes: RUN_FILES,
    codes: [1],
  },
  {
    cls: 'output paths',
    name: 'report on a run folder on a read-only file system',
    needsRun: true,
    setup: (p) => mountReadOnly(p, p.run),
    teardown: unmount,
    args: () => ['report', 'mnt-ro'],
    codes: [0, 1],
  },
  {
    cls: 'output paths',
    name: 'evaluate a run folder on a read-only file system',
    needsRun: true,
    setup: (p) => mountReadOnly(p, p.run),
    teardown: unmount,
    args: () => ['evaluate', 'mnt-ro', '--backend', 'cpu'],
    codes: [0],
  },
  {
    cls: 'output paths',
    name: 'resume an interrupted run on a read-only file system',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      mountReadOnly(p, p.run);
    },
    teardown: unmount,
    args: () => ['train', '--resume', 'mnt-ro', '--backend', 'cpu'],
    codes: [1],
    says: /EROFS/,
  },
];

// --- Special files as inputs ----------------------------------------------------------------
const specialPaths: [string, (p: Project) => string][] = [
  ['/dev/zero', () => '/dev/zero'],
  ['/dev/urandom', () => '/dev/urandom'],
  ['/dev/null', () => '/dev/null'],
  ['a link to /dev/zero', (p) => (symlinkSync('/dev/zero', join(p.dir, 'zero.yaml')), 'zero.yaml')],
  ['a link to /dev/urandom', (p) => (symlinkSync('/dev/urandom', join(p.dir, 'random.yaml')), 'random.yaml')],
  ['a named pipe', (p) => (fifo(join(p.dir, 'pipe.yaml')), 'pipe.yaml')],
  ['a socket', (p) => (socket(join(p.dir, 'sock.yaml')), 'sock.yaml')],
  ['a folder', (p) => (mkdirSync(join(p.dir, 'dir.yaml')), 'dir.yaml')],
  ['/proc/self/status', () => '/proc/self/status'],
  ['/proc/self/mem', () => '/proc/self/mem'],
  [
    'a 10 GiB sparse file',
    (p) => {
      const f = file(p, 'huge.yaml', '');
      truncateSync(f, 10 * 2 ** 30);
      return 'huge.yaml';
    },
  ],
  ['a symlink loop', (p) => (symlinkSync('loop2.yaml', join(p.dir, 'loop1.yaml')), symlinkSync('loop1.yaml', join(p.dir, 'loop2.yaml')), 'loop1.yaml')],
  ['a dangling link', (p) => (symlinkSync('nowhere.yaml', join(p.dir, 'dangling.yaml')), 'dangling.yaml')],
  ['/dev/stdin', () => '/dev/stdin'],
  ['/dev/tty', () => '/dev/tty'],
];
const specialTarget: Record<string, string> = {};
const specialInputs: Case[] = [
  ...specialPaths.flatMap(([label, make]): Case[] =>
    (['compile', 'train', 'report', 'bench'] as const)
      .filter((cmd) => cmd === 'compile' || ['/dev/zero', 'a named pipe', 'a link to /dev/urandom', 'a 10 GiB sparse file', 'a folder'].includes(label))
      .map((cmd) => ({
        cls: 'special input files',
        name: `${cmd} a spec that is ${label}`,
        setup: (p: Project) => void (specialTarget[p.dir] = make(p)),
        args: (p: Project) => {
          const spec = specialTarget[p.dir]!;
          if (cmd === 'compile') return ['compile', spec, '-q', '--no-report'];
          if (cmd === 'train') return ['train', spec, '--backend', 'cpu'];
          if (cmd === 'bench') return ['bench', spec, '--no-torch', '--reps', '1'];
          return ['report', spec];
        },
        codes: [1, 2],
      })),
  ),
  ...(
    [
      ['a link to /dev/zero', (d: string) => symlinkSync('/dev/zero', join(d, 'train-images-idx3-ubyte'))],
      ['a named pipe', (d: string) => fifo(join(d, 'train-images-idx3-ubyte'))],
      ['a folder', (d: string) => mkdirSync(join(d, 'train-images-idx3-ubyte'))],
      ['a socket', (d: string) => socket(join(d, 'train-images-idx3-ubyte'))],
      [
        'a 4 GiB sparse file',
        (d: string) => {
          writeFileSync(join(d, 'train-images-idx3-ubyte'), '');
          truncateSync(join(d, 'train-images-idx3-ubyte'), 4 * 2 ** 30);
        },
      ],
      ['/proc/self/status', (d: string) => symlinkSync('/proc/self/status', join(d, 'train-labels-idx1-ubyte'))],
      ['a dangling link', (d: string) => symlinkSync('nowhere', join(d, 'train-labels-idx1-ubyte'))],
      ['a symlink loop', (d: string) => (symlinkSync('t10k-labels-idx1-ubyte', join(d, 'x')), symlinkSync('x', join(d, 't10k-labels-idx1-ubyte')))],
    ] as const
  ).map(([label, spoil]): Case => ({
    cls: 'special input files',
    name: `train on an IDX file that is ${label}`,
    setup: (p) => {
      const d = join(p.dir, 'data');
      for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) {
        if (
          label === 'a symlink loop'
            ? f === 't10k-labels-idx1-ubyte'
            : f === (label === '/proc/self/status' || label === 'a dangling link' ? 'train-labels-idx1-ubyte' : 'train-images-idx3-ubyte')
        )
          rmSync(join(d, f));
      }
      spoil(d);
    },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
  })),
  {
    cls: 'special input files',
    name: 'train with idx_dir: /dev',
    setup: (p) => writeFileSync(p.spec, specText().replace('idx_dir: data', 'idx_dir: /dev')),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
  },
  {
    cls: 'special input files',
    name: 'train with idx_dir: /proc/self',
    setup: (p) => writeFileSync(p.spec, specText().replace('idx_dir: data', 'idx_dir: /proc/self')),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
  },
  {
    cls: 'special input files',
    name: 'train with idx_dir naming a file',
    setup: (p) => writeFileSync(p.spec, specText().replace('idx_dir: data', 'idx_dir: quarters.yaml')),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
  },
];

// --- Run folders, tampered or half-made -------------------------------------------------------
const tamperModel =
  (edit: (m: Record<string, any>) => void) =>
  (p: Project): void =>
    editJson(join(p.run, 'model.json'), edit);
const modelTampering: [string, (p: Project) => void, RegExp?][] = [
  ['units changed in model.json', tamperModel((m) => (layers(m)[1]!.config.units = 17)), /model\.json/],
  ['input channels changed in model.json', tamperModel((m) => (layers(m)[0]!.config.batch_input_shape = [null, 8, 8, 3])), /model\.json/],
  ['an unknown layer class', tamperModel((m) => (layers(m)[1]!.class_name = 'Conv9D')), /model\.json/],
  ['layers not a list', tamperModel((m) => (m.modelTopology.config.layers = 'x')), /model\.json/],
  ['a manifest path outside the folder', tamperModel((m) => (m.weightsManifest[0].paths = ['../../../../etc/passwd'])), /model\.json|missing/],
  ['a negative weight shape', tamperModel((m) => (m.weightsManifest[0].weights[0].shape = [-64, 16])), /model\.json/],
  ['a weight shape of text', tamperModel((m) => (m.weightsManifest[0].weights[0].shape = ['a'])), /model\.json/],
  ['a huge weight shape', tamperModel((m) => (m.weightsManifest[0].weights[0].shape = [2 ** 20, 2 ** 20])), /model\.json/],
  ['model.json not JSON', (p) => writeFileSync(join(p.run, 'model.json'), '{ nope'), /not valid JSON|cannot be read as JSON/],
  ['model.json null', (p) => writeFileSync(join(p.run, 'model.json'), 'null'), /model\.json/],
  ['model.json a folder', (p) => (rmSync(join(p.run, 'model.json')), mkdirSync(join(p.run, 'model.json'))), /folder/],
  ['model.json a link to /dev/zero', (p) => (rmSync(join(p.run, 'model.json')), symlinkSync('/dev/zero', join(p.run, 'model.json'))), /character device/],
  ['model.json a named pipe', (p) => (rmSync(join(p.run, 'model.json')), fifo(join(p.run, 'model.json'))), /named pipe/],
  [
    'the weights a link to /dev/zero',
    (p) => {
      const w = join(p.run, weightsOf(p.run));
      rmSync(w);
      symlinkSync('/dev/zero', w);
    },
    /character device/,
  ],
  [
    'the weights a named pipe',
    (p) => {
      const w = join(p.run, weightsOf(p.run));
      rmSync(w);
      fifo(w);
    },
    /named pipe/,
  ],
  [
    'the weights a folder',
    (p) => {
      const w = join(p.run, weightsOf(p.run));
      rmSync(w);
      mkdirSync(w);
    },
    /folder/,
  ],
  [
    'the weights truncated',
    (p) => {
      const w = join(p.run, weightsOf(p.run));
      truncateSync(w, 100);
    },
    /checksum|bytes/,
  ],
  ['the weights with extra bytes', (p) => appendFileSync(join(p.run, weightsOf(p.run)), Buffer.alloc(64)), /checksum|more than/],
  ['the weights missing', (p) => rmSync(join(p.run, weightsOf(p.run))), /missing/],
];
const consistentTamper = (p: Project): void => {
  // New weight bytes under their own hash name, and model.json naming them: files that agree.
  const old = weightsOf(p.run);
  const bytes = readFileSync(join(p.run, old));
  // The sign bit of every weight of the first layer's kernel: the model now predicts otherwise.
  for (let i = 3; i < 64 * 16 * 4; i += 4) bytes[i] = bytes[i]! ^ 0x80;
  const name = hashedName('weights', bytes);
  writeFileSync(join(p.run, name), bytes);
  rmSync(join(p.run, old));
  editJson(join(p.run, 'model.json'), (m) => (m.weightsManifest[0].paths = [`./${name}`]));
};
const runFolders: Case[] = [
  ...modelTampering.flatMap(([label, spoil, says]): Case[] => [
    {
      cls: 'run folders',
      name: `evaluate: ${label}`,
      needsRun: true,
      setup: spoil,
      args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
      writes: RUN_FILES,
      codes: [1, 2],
      ...(says ? { says } : {}),
    },
    {
      cls: 'run folders',
      name: `resume: ${label}`,
      needsRun: true,
      setup: spoil,
      args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
      writes: RUN_FILES,
      codes: [0, 1, 2],
    },
  ]),
  {
    cls: 'run folders',
    name: 'evaluate: weights changed consistently (a tampered but consistent model)',
    needsRun: true,
    setup: consistentTamper,
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
    codes: [0],
    says: /model files are not the ones the run saved/,
  },
  {
    cls: 'run folders',
    name: 'evaluate on another backend explains the difference as the backend',
    needsRun: true,
    args: (p) => ['evaluate', p.run, '--backend', 'wasm'],
    codes: [0],
    says: /reproduced|evaluated on cpu and this is wasm/,
  },
  {
    cls: 'run folders',
    name: 'evaluate: test data changed',
    needsRun: true,
    setup: (p) => {
      const f = join(p.dir, 'data', 't10k-images-idx3-ubyte');
      const b = readFileSync(f);
      for (let i = 16; i < b.length; i += 3) b[i] = 255 - b[i]!;
      writeFileSync(f, b);
    },
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
    codes: [0],
    says: /test data must have changed/,
  },
  ...(
    [
      ['{}', {}],
      ['ref is a number', { ref: 5 }],
      ['ref of an unknown kind', { ref: { kind: 'imagenet' } }],
      ['specDir relative', { specDir: 'data' }],
      ['a negative limit', { options: { limit: -1 } }],
      ['options null', { options: null }],
    ] as const
  ).map(([label, patch]): Case => ({
    cls: 'run folders',
    name: `evaluate: dataset.json with ${label}`,
    needsRun: true,
    setup: (p) => editJson(join(p.run, 'dataset.json'), (d) => (label === '{}' ? Object.keys(d).forEach((k) => delete d[k]) : Object.assign(d, patch))),
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /dataset\.json/,
  })),
  {
    cls: 'run folders',
    name: 'evaluate: dataset.json not JSON',
    needsRun: true,
    setup: (p) => writeFileSync(join(p.run, 'dataset.json'), '[1,'),
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /dataset\.json: is not valid JSON/,
  },
  {
    cls: 'run folders',
    name: 'evaluate: dataset.json a link to /dev/urandom',
    needsRun: true,
    setup: (p) => (rmSync(join(p.run, 'dataset.json')), symlinkSync('/dev/urandom', join(p.run, 'dataset.json'))),
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /character device/,
  },
  {
    cls: 'run folders',
    name: 'evaluate: dataset.json a named pipe',
    needsRun: true,
    setup: (p) => (rmSync(join(p.run, 'dataset.json')), fifo(join(p.run, 'dataset.json'))),
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /named pipe/,
  },
  {
    cls: 'run folders',
    name: 'evaluate: dataset.json points at /dev',
    needsRun: true,
    setup: (p) => editJson(join(p.run, 'dataset.json'), (d) => (d.ref.dir = '/dev')),
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
    codes: [1],
  },
  ...(
    [
      ['test.accuracy as text', (r: Record<string, any>) => (r.test.accuracy = 'high')],
      ['a ragged confusion matrix', (r: Record<string, any>) => (r.test.confusion = [[1, 2], [3]])],
      ['backend a number', (r: Record<string, any>) => (r.backend = 7)],
      ['no training summary', (r: Record<string, any>) => delete r.training],
      ['model identity of the wrong type', (r: Record<string, any>) => (r.model = { weights: 'x' })],
    ] as const
  ).flatMap(([label, edit]): Case[] => [
    {
      cls: 'run folders',
      name: `evaluate: results.json with ${label}`,
      needsRun: true,
      setup: (p) => editJson(join(p.run, 'results.json'), edit),
      args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
      codes: [1],
      says: /results\.json/,
    },
    {
      cls: 'run folders',
      name: `report: results.json with ${label}`,
      needsRun: true,
      setup: (p) => editJson(join(p.run, 'results.json'), edit),
      args: (p) => ['report', p.run],
      writes: RUN_FILES,
      codes: [1],
      says: /results\.json/,
    },
  ]),
  {
    cls: 'run folders',
    name: 'report: metrics.json not JSON',
    needsRun: true,
    setup: (p) => writeFileSync(join(p.run, 'metrics.json'), 'x'),
    args: (p) => ['report', p.run],
    writes: RUN_FILES,
    codes: [1],
    says: /metrics\.json/,
  },
  {
    cls: 'run folders',
    name: 'report: metrics.json epochs of text',
    needsRun: true,
    setup: (p) => editJson(join(p.run, 'metrics.json'), (m) => (m.epochs = [{ epoch: 'one', loss: 'x' }])),
    args: (p) => ['report', p.run],
    writes: RUN_FILES,
    codes: [0, 1],
  },
  {
    cls: 'run folders',
    name: 'report: metrics.json a link to /dev/zero',
    needsRun: true,
    setup: (p) => (rmSync(join(p.run, 'metrics.json')), symlinkSync('/dev/zero', join(p.run, 'metrics.json'))),
    args: (p) => ['report', p.run],
    writes: RUN_FILES,
    codes: [1],
    says: /character device/,
  },
  {
    cls: 'run folders',
    name: 'report: the recorded spec is /dev/zero',
    needsRun: true,
    setup: (p) => editJson(join(p.run, 'resolved-spec.json'), (r) => (r.spec = '/dev/zero')),
    args: (p) => ['report', p.run],
    writes: RUN_FILES,
    codes: [0],
  },
  {
    cls: 'run folders',
    name: 'evaluate a run folder that is a file',
    setup: (p) => void file(p, 'notarun'),
    args: () => ['evaluate', 'notarun', '--backend', 'cpu'],
    codes: [2],
  },
  { cls: 'run folders', name: 'evaluate a missing folder', args: () => ['evaluate', 'nope', '--backend', 'cpu'], codes: [2] },
  {
    cls: 'run folders',
    name: 'resume a finished run says it is finished',
    needsRun: true,
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [0],
    says: /already trained all 2 epoch\(s\).*nothing to resume/,
  },
  {
    cls: 'run folders',
    name: 'resume a folder stopped before its first checkpoint',
    needsRun: true,
    setup: (p) => {
      for (const f of readdirSync(p.run)) if (!['resolved-spec.json', 'dataset.json'].includes(f)) rmSync(join(p.run, f));
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /stopped before it saved its first checkpoint.*netspec train quarters\.yaml/,
  },
  {
    cls: 'run folders',
    name: 'resume a folder that is not a run folder',
    setup: (p) => mkdirSync(join(p.dir, 'empty')),
    args: () => ['train', '--resume', 'empty', '--backend', 'cpu'],
    codes: [2],
  },
  {
    cls: 'run folders',
    name: 'resume a file',
    setup: (p) => void file(p, 'notarun'),
    args: () => ['train', '--resume', 'notarun', '--backend', 'cpu'],
    codes: [2],
  },
  {
    cls: 'run folders',
    name: 'resume with all epochs done but no results evaluates and finishes',
    needsRun: true,
    setup: (p) => rmSync(join(p.run, 'results.json')),
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    writes: RUN_FILES,
    codes: [0],
    says: /trained all 2 epoch\(s\); evaluating it on the test set/,
  },
  {
    cls: 'run folders',
    name: 'resume rebuilds report.html',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      rmSync(join(p.run, 'report.html'));
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    writes: RUN_FILES,
    codes: [0],
    after: (p) => (existsSync(join(p.run, 'report.html')) ? undefined : 'report.html not rebuilt'),
  },
  ...(
    [
      ['batchSize 0', (t: Record<string, any>) => (t.batchSize = 0)],
      ['batchSize as text', (t: Record<string, any>) => (t.batchSize = 'big')],
      ['an unknown optimizer', (t: Record<string, any>) => (t.optimizer.name = 'lion')],
      ['a negative learning rate', (t: Record<string, any>) => (t.optimizer.learningRate = -1)],
      ['validationSplit 2', (t: Record<string, any>) => (t.validationSplit = 2)],
      ['an unknown dataset kind', (t: Record<string, any>) => (t.dataset = { kind: 'imagenet' })],
      ['an unknown loss', (t: Record<string, any>) => (t.loss = 'hinge')],
      ['metrics not a list', (t: Record<string, any>) => (t.metrics = 'accuracy')],
      ['epochs changed', (t: Record<string, any>) => (t.epochs = 5)],
      ['no training section', (t: Record<string, any>) => Object.keys(t).forEach((k) => delete t[k])],
    ] as const
  ).map(([label, edit]): Case => ({
    cls: 'run folders',
    name: `resume: resolved-spec.json with ${label}`,
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      editJson(join(p.run, 'resolved-spec.json'), (r) => edit(r.training));
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
  })),
  ...(
    [
      ['epoch 0', (s: Record<string, any>) => (s.epoch = 0)],
      ['epoch 99', (s: Record<string, any>) => (s.epoch = 99)],
      ['a history of the wrong length', (s: Record<string, any>) => s.history.pop()],
      ['batchesDone beyond the epoch', (s: Record<string, any>) => ((s.epoch = 2), s.history.pop(), (s.batchesDone = 10_000))],
      ['rngState negative', (s: Record<string, any>) => (s.rngState = -1)],
      ['version 2', (s: Record<string, any>) => (s.version = 2)],
      ['history entries of text', (s: Record<string, any>) => (s.history[0].loss = 'low')],
    ] as const
  ).map(([label, edit]): Case => ({
    cls: 'run folders',
    name: `resume: checkpoint state with ${label}`,
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      state(p.run, edit);
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
  })),
  {
    cls: 'run folders',
    name: 'resume: a checkpoint whose model is not the recorded one',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      editJson(join(p.run, 'model.json'), (m) => (layers(m)[1]!.config.activation = 'tanh'));
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /describes another model than the one this run started with/,
  },
  {
    cls: 'run folders',
    name: 'resume: an old folder whose checkpoint has another input',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      editJson(join(p.run, 'resolved-spec.json'), (r) => {
        delete r.topologySha256;
        r.inputShape = [28, 28, 1];
      });
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /input \[8, 8, 1\] but this run started with input \[28, 28, 1\]/,
  },
  {
    cls: 'run folders',
    name: 'resume: optimizer state missing',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      rmSync(join(p.run, optimizerOf(p.run)));
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /missing/,
  },
  {
    cls: 'run folders',
    name: 'resume: optimizer state a named pipe',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      const o = join(p.run, optimizerOf(p.run));
      rmSync(o);
      fifo(o);
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /named pipe/,
  },
  {
    cls: 'run folders',
    name: 'resume: optimizer state truncated',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      truncateSync(join(p.run, optimizerOf(p.run)), 10);
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
  },
  {
    cls: 'run folders',
    name: 'resume: optimizer file named outside the folder',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      editJson(join(p.run, 'model.json'), (m) => (m.userDefinedMetadata.netspec_companion_file = '../../../../etc/passwd'));
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
  },
  {
    cls: 'run folders',
    name: 'resume: dataset.json gone',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      rmSync(join(p.run, 'dataset.json'));
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
    says: /dataset\.json: not found/,
  },
  {
    cls: 'run folders',
    name: 'resume: data shrank since the run started',
    needsRun: true,
    setup: (p) => {
      rmSync(join(p.run, 'results.json'));
      state(p.run, (s) => {
        s.epoch = 2;
        s.history.pop();
        s.batchesDone = 30;
      });
      const d = join(p.dir, 'data');
      for (const [f, header, size] of [
        ['train-images-idx3-ubyte', 16, 64],
        ['train-labels-idx1-ubyte', 8, 1],
      ] as const) {
        const b = readFileSync(join(d, f));
        b.writeUInt32BE(40, 4);
        writeFileSync(join(d, f), b.subarray(0, header + size * 40));
      }
    },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    codes: [1],
  },
  {
    cls: 'run folders',
    name: 'predict with a tampered model.json',
    needsRun: true,
    setup: tamperModel((m) => (layers(m)[1]!.config.units = 17)),
    args: (p) => ['predict', p.run, 'x.png', '--backend', 'cpu'],
    codes: [1],
  },
];

// --- Flags -------------------------------------------------------------------------------------
const BIG = `  - kind: flatten
  - kind: dense
    units: 200000
  - kind: dense
    units: 200000
  - kind: dense
    units: 4
    activation: softmax`;
const flags: Case[] = [
  {
    cls: 'flags',
    name: 'compile --max-params 1e11 on a 40-billion-parameter model',
    setup: (p) => writeFileSync(p.spec, specText({ layers: BIG })),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report', '--max-params', '1e11', '--max-activations', '1e11'],
    codes: [1],
    says: /memory|limit/,
  },
  {
    cls: 'flags',
    name: 'train --max-params 1e11 on a 40-billion-parameter model',
    setup: (p) => writeFileSync(p.spec, specText({ layers: BIG })),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu', '--max-params', '1e11', '--max-activations', '1e11'],
    codes: [1],
    says: /memory|limit/,
  },
  {
    cls: 'flags',
    name: 'compile --max-params 1e11 on a 2-billion-parameter layer',
    setup: (p) => writeFileSync(p.spec, specText({ layers: BIG.replace(/200000/g, '40000') })),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report', '--max-params', '1e11'],
    codes: [0, 1],
  },
  ...['1e400', '0', '-5', 'abc', '1.5', '', '0x10', 'Infinity', 'NaN', '9'.repeat(30)].map((v): Case => ({
    cls: 'flags',
    name: `compile --max-params '${v}'`,
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report', '--max-params', v],
    codes: v === '0x10' || v === '9'.repeat(30) ? [0, 1, 2] : [2],
    writes: GENERATED,
  })),
  ...(['--epochs', '--batch-size', '--limit', '--workers', '--threads', '--seed'] as const).flatMap((flag) =>
    ['0', '-1', 'x', '1e400', '2.5'].map((v): Case => ({
      cls: 'flags',
      name: `train ${flag} ${v}`,
      args: () => ['train', 'quarters.yaml', '--backend', 'cpu', flag, v],
      codes: flag === '--seed' && v === '0' ? [0] : [2],
      writes: RUNS,
    })),
  ),
  { cls: 'flags', name: 'train --workers 1000', args: () => ['train', 'quarters.yaml', '--workers', '1000'], codes: [2], says: /--workers 1000 is more than/ },
  {
    cls: 'flags',
    name: 'train --workers 8 with batch 4',
    setup: (p) => writeFileSync(p.spec, specText({ batch: 8 })),
    args: () => ['train', 'quarters.yaml', '--workers', '8', '--batch-size', '4'],
    codes: [2],
    says: /more than the batch size/,
  },
  { cls: 'flags', name: 'train --threads 1000000', args: () => ['train', 'quarters.yaml', '--threads', '1000000', '--epochs', '1'], writes: RUNS, codes: [0] },
  {
    cls: 'flags',
    name: 'train --seed 2^53',
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu', '--epochs', '1', '--seed', String(2 ** 53)],
    writes: RUNS,
    codes: [0, 2],
  },
  {
    cls: 'flags',
    name: 'train --batch-size 1e12',
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu', '--epochs', '1', '--batch-size', '1000000000000'],
    writes: RUNS,
    codes: [0, 1],
  },
  {
    cls: 'flags',
    name: 'train --limit 1 (nothing left to train after validation)',
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu', '--limit', '1'],
    codes: [1],
    says: /leaves no training samples/,
  },
  { cls: 'flags', name: 'train --backend node (not installed)', args: () => ['train', 'quarters.yaml', '--backend', 'node'], codes: [2] },
  { cls: 'flags', name: 'train --backend foo', args: () => ['train', 'quarters.yaml', '--backend', 'foo'], codes: [2] },
  { cls: 'flags', name: 'train with a spec and --resume', args: () => ['train', 'quarters.yaml', '--resume', 'runs'], codes: [2] },
  { cls: 'flags', name: 'train without a spec', args: () => ['train'], codes: [2] },
  { cls: 'flags', name: 'train a missing spec', args: () => ['train', 'nope.yaml'], codes: [2] },
  { cls: 'flags', name: 'an unknown command', args: () => ['frobnicate'], codes: [2] },
  { cls: 'flags', name: 'an unknown option', args: () => ['compile', '--frob'], codes: [2] },
  { cls: 'flags', name: 'compile --watch --check', args: () => ['compile', '--watch', '--check'], codes: [2] },
  { cls: 'flags', name: 'compile --target cobol', args: () => ['compile', '--target', 'cobol'], codes: [2] },
  { cls: 'flags', name: 'init with a bad name', args: () => ['init', '../evil'], codes: [2] },
  { cls: 'flags', name: 'init --template foo', args: () => ['init', 'x', '--template', 'foo'], codes: [2] },
  { cls: 'flags', name: 'predict without images', needsRun: true, args: (p) => ['predict', p.run], codes: [2] },
  {
    cls: 'flags',
    name: 'train --workers 2 on a model with dropout trains replicas',
    setup: (p) =>
      writeFileSync(
        p.spec,
        specText({ layers: '  - kind: flatten\n  - kind: dropout\n    rate: 0.5\n  - kind: dense\n    units: 4\n    activation: softmax' }),
      ),
    args: () => ['train', 'quarters.yaml', '--workers', '2', '--epochs', '1'],
    writes: RUNS,
    codes: [0],
    says: /2 data-parallel replicas/,
  },
  { cls: 'flags', name: 'compile with no specs folder', args: () => ['compile', '--specs-dir', 'none'], codes: [2] },
  {
    cls: 'flags',
    name: 'compile --specs-dir names a file',
    setup: (p) => void file(p, 'afile'),
    args: () => ['compile', '--specs-dir', 'afile'],
    codes: [1, 2],
  },
];

// --- Specs tfjs refuses although inference accepts them -----------------------------------------
const flat =
  (layersText: string, input = '[64]'): ((p: Project) => void) =>
  (p) =>
    writeFileSync(p.spec, specText({ input, layers: layersText }));
const FLATTEN_FLAT = '  - kind: flatten\n  - kind: dense\n    units: 4\n    activation: softmax';
const tfjsLive: Case[] = [
  {
    cls: 'live model',
    name: 'compile: flatten on a flat input',
    setup: flat(FLATTEN_FLAT),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
    codes: [1],
    says: /quarters\.yaml:\d+:\d+: tfjs cannot build layer 1 'flatten'/,
  },
  {
    cls: 'live model',
    name: 'compile: flatten on a flat input, then another spec still compiles',
    setup: (p) => {
      flat(FLATTEN_FLAT)(p);
      writeFileSync(join(p.dir, 'other.yaml'), specText({ name: 'other' }));
    },
    args: () => ['compile', 'quarters.yaml', 'other.yaml', '-q', '--no-report'],
    writes: [/^generated(\/other\.ts|\/(keras|pytorch)(\/other\.py)?)?$/],
    codes: [1],
    after: (p) => (existsSync(join(p.dir, 'generated', 'other.ts')) ? undefined : 'the second spec was not compiled'),
  },
  {
    cls: 'live model',
    name: 'compile: flatten after a global pool',
    setup: flat(
      '  - kind: conv2d\n    filters: 4\n    kernel: 3\n  - kind: global_avg_pool2d\n  - kind: flatten\n  - kind: dense\n    units: 4\n    activation: softmax',
      '[8, 8, 1]',
    ),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
    codes: [1],
    says: /tfjs cannot build layer 3 'flatten'/,
  },
  {
    cls: 'live model',
    name: 'compile: two flattens in a row',
    setup: flat('  - kind: flatten\n  - kind: flatten\n  - kind: dense\n    units: 4\n    activation: softmax', '[8, 8, 1]'),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
    codes: [1],
  },
  {
    cls: 'live model',
    name: 'train: flatten on a flat input leaves no run folder',
    setup: flat(FLATTEN_FLAT),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
    says: /tfjs cannot build/,
  },
  {
    cls: 'live model',
    name: 'report: flatten on a flat input',
    setup: flat(FLATTEN_FLAT),
    args: () => ['report', 'quarters.yaml'],
    writes: [/^reports(\/|$)/],
    codes: [0, 1],
  },
  {
    cls: 'live model',
    name: 'bench: flatten on a flat input',
    setup: flat(FLATTEN_FLAT),
    args: () => ['bench', 'quarters.yaml', '--no-torch', '--reps', '1', '--batches', '1', '--warmup', '1'],
    writes: [/^bench-results(\/|$)/],
    codes: [0, 1],
  },
  {
    cls: 'live model',
    name: 'train: input that does not fit the data leaves no run folder',
    setup: (p) => writeFileSync(p.spec, specText({ input: '[28, 28, 1]' })),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
    after: (p) => (existsSync(join(p.dir, 'runs')) ? 'a run folder was made for a run that could not start' : undefined),
  },
  {
    cls: 'live model',
    name: 'train: too few output units for the labels leaves no run folder',
    setup: (p) => writeFileSync(p.spec, specText({ layers: '  - kind: flatten\n  - kind: dense\n    units: 2\n    activation: softmax' })),
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    codes: [1],
    after: (p) => (existsSync(join(p.dir, 'runs')) ? 'a run folder was made for a run that could not start' : undefined),
  },
];

// --- Signals -------------------------------------------------------------------------------------
const longRun = (p: Project): void => writeFileSync(p.spec, specText({ epochs: 200 }));
const checkpointed = (p: Project): string | undefined => {
  const runs = join(p.dir, 'runs', 'quarters');
  const run = existsSync(runs) ? readdirSync(runs)[0] : undefined;
  return run && existsSync(join(runs, run, 'model.json')) ? undefined : 'no checkpoint saved';
};
const signals: Case[] = [
  {
    cls: 'signals',
    name: 'SIGTERM during training checkpoints and exits 143',
    setup: longRun,
    signal: { after: /Epoch +2\/200/, signal: 'SIGTERM' },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    writes: RUNS,
    codes: [143],
    says: /continue with: netspec train --resume/,
    after: checkpointed,
  },
  {
    cls: 'signals',
    name: 'SIGINT during training checkpoints and exits 130',
    setup: longRun,
    signal: { after: /Epoch +2\/200/, signal: 'SIGINT' },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    writes: RUNS,
    codes: [130],
    after: checkpointed,
  },
  {
    cls: 'signals',
    name: 'SIGTERM twice quits at once with 143',
    setup: longRun,
    signal: { after: /Epoch +2\/200/, signal: 'SIGTERM', again: 5 },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    writes: RUNS,
    codes: [143],
  },
  {
    cls: 'signals',
    name: 'SIGTERM during replica training checkpoints and exits 143',
    setup: longRun,
    signal: { after: /Epoch +2\/200/, signal: 'SIGTERM' },
    args: () => ['train', 'quarters.yaml', '--workers', '2'],
    writes: RUNS,
    codes: [143],
    after: checkpointed,
  },
  {
    cls: 'signals',
    name: 'SIGTERM right after the run folder appears',
    setup: longRun,
    signal: { after: /run folder:/, signal: 'SIGTERM' },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    writes: RUNS,
    codes: [143],
    after: checkpointed,
  },
  {
    cls: 'signals',
    name: 'kill -9 right after the run folder appears',
    setup: longRun,
    signal: { after: /run folder:/, signal: 'SIGKILL' },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    writes: RUNS,
  },
  {
    cls: 'signals',
    name: 'kill -9 mid-training',
    setup: longRun,
    signal: { after: /Epoch +3\/200/, signal: 'SIGKILL' },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    writes: RUNS,
  },
  {
    cls: 'signals',
    name: 'SIGTERM during a resume exits 143',
    needsRun: true,
    setup: (p) => {
      editJson(join(p.run, 'resolved-spec.json'), (r) => {
        r.training.epochs = 200;
        delete r.topologySha256;
      });
      state(p.run, (s) => (s.epochs = 200));
      rmSync(join(p.run, 'results.json'));
    },
    signal: { after: /Epoch +4\/200/, signal: 'SIGTERM' },
    args: (p) => ['train', '--resume', p.run, '--backend', 'cpu'],
    writes: RUN_FILES,
    codes: [143],
  },
  {
    cls: 'signals',
    name: 'SIGTERM during compile',
    signal: { after: 300, signal: 'SIGTERM' },
    args: () => ['compile', 'quarters.yaml', '-q'],
    writes: GENERATED,
  },
  {
    cls: 'signals',
    name: 'SIGINT during compile',
    signal: { after: 1500, signal: 'SIGINT' },
    args: () => ['compile', 'quarters.yaml', '-q'],
    writes: GENERATED,
  },
  {
    cls: 'signals',
    name: 'SIGTERM during evaluate',
    needsRun: true,
    signal: { after: /backend:/, signal: 'SIGTERM' },
    args: (p) => ['evaluate', p.run, '--backend', 'cpu'],
  },
  {
    cls: 'signals',
    name: 'SIGTERM ends compile --watch with 143',
    signal: { after: /watching for changes/, signal: 'SIGTERM' },
    args: () => ['compile', 'quarters.yaml', '--watch', '-q', '--no-report'],
    writes: GENERATED,
    codes: [143],
  },
  {
    cls: 'signals',
    name: 'SIGINT ends compile --watch with 0',
    signal: { after: /watching for changes/, signal: 'SIGINT' },
    args: () => ['compile', 'quarters.yaml', '--watch', '-q', '--no-report'],
    writes: GENERATED,
    codes: [0],
  },
  {
    cls: 'signals',
    name: 'SIGTERM during data loading',
    setup: longRun,
    signal: { after: /training:/, signal: 'SIGTERM' },
    args: () => ['train', 'quarters.yaml', '--backend', 'cpu'],
    writes: RUNS,
  },
];

// --- Generated code and odd specs ---------------------------------------------------------------
const bidi = ['\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u202a', '\u202b', '\u202c', '\u202d', '\u200f', '\ufeff', '\u0085'];
const codegen: Case[] = [
  ...bidi.map((ch): Case => ({
    cls: 'generated code',
    name: `compile: U+${ch.codePointAt(0)!.toString(16).padStart(4, '0')} in the description is escaped`,
    setup: (p) => writeFileSync(p.spec, `description: "admin${ch}\\" ; evil()"\n${specText()}`),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
    writes: GENERATED,
    codes: [0],
    after: (p) => {
      const code = readFileSync(join(p.dir, 'generated', 'quarters.ts'), 'utf8');
      return code.includes(ch) ? 'the control character is raw in generated code' : undefined;
    },
  })),
  {
    cls: 'generated code',
    name: 'compile --target keras: bidi in the description is escaped',
    setup: (p) => writeFileSync(p.spec, `description: "a\u202eb"\n${specText()}`),
    args: () => ['compile', 'quarters.yaml', '-q', '--no-report', '--target', 'keras'],
    writes: GENERATED,
    codes: [0],
    after: (p) => (readFileSync(join(p.dir, 'generated', 'keras', 'quarters.py'), 'utf8').includes('\u202e') ? 'raw in Python' : undefined),
  },
];
const oddSpecs: Case[] = [
  ['an empty file', ''],
  ['only a comment', '# nothing\n'],
  ['binary garbage', '\u0000\u0001\u0002\uffff'],
  ['a UTF-16 file', '\ufeffname: x'],
  ['a list at the top', '- 1\n- 2\n'],
  ['a 2 MB description', `description: "${'x'.repeat(2_000_000)}"\n`],
].map(([label, text]): Case => ({
  cls: 'odd specs',
  name: `compile ${label}`,
  setup: (p) => writeFileSync(p.spec, label === 'a UTF-16 file' ? Buffer.from(text!, 'utf16le') : text!),
  args: () => ['compile', 'quarters.yaml', '-q', '--no-report'],
  codes: [1],
}));

export const CASES: Case[] = [...outputs, ...specialInputs, ...runFolders, ...flags, ...tfjsLive, ...signals, ...codegen, ...oddSpecs];

export { chmodSync, renameSync };
