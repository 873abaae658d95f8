// `netspec init NAME --template mlp|cnn|lenet`: writes a starter spec to specs/NAME.yaml.
import { existsSync } from 'node:fs';
import { stringify } from 'yaml';
import { outputPath } from '../emit/output-path.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { ensureDir, removeCreated } from '../lib/dirs.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { TEMPLATE_NAMES, TEMPLATES, type TemplateName } from './init-templates.js';
import { dim, green } from './style.js';

export interface InitOptions {
  template: TemplateName;
  specsDir: string;
  force?: boolean;
}

/** The text of a starter spec called `name`, built from a template. */
export function starterSpec(name: string, template: TemplateName): string {
  const t = TEMPLATES[template];
  // The name is a checked slug, but YAML would still read some slugs as other types (`null`,
  // `true`); stringify quotes exactly those. The description is ours, quoted the same way.
  const scalar = (s: string): string => stringify(s).trimEnd();
  return [
    '# yaml-language-server: $schema=../schema/model-spec.schema.json',
    `# ${t.comment}`,
    `# Started with \`netspec init --template ${template}\`; edit freely, then run \`netspec compile\`.`,
    `name: ${scalar(name)}`,
    `description: ${scalar(t.description)}`,
    t.body,
  ].join('\n');
}

export async function initCommand(name: string, options: InitOptions): Promise<number> {
  if (!(TEMPLATE_NAMES as readonly string[]).includes(options.template)) {
    throw new UsageError(`unknown template '${options.template}'; choose one of ${TEMPLATE_NAMES.join(', ')}`);
  }
  // The spec's name becomes generated file names too, so it must pass the same check.
  const target = outputPath(options.specsDir, name, '.yaml');
  if ('error' in target) throw new UsageError(target.error);
  if (existsSync(target.path) && !options.force) {
    throw new UserError(`${target.path} already exists; choose another name, or pass --force to overwrite it`);
  }
  // Folders made for a spec that could not be written are taken away again.
  const created = ensureDir(options.specsDir);
  try {
    await writeFileAtomic(target.path, starterSpec(name, options.template));
  } catch (error) {
    removeCreated(created);
    throw error;
  }
  const before = TEMPLATES[options.template].before;
  const steps: Array<[string, string]> = [
    ...(before ? [before] : []),
    [`netspec compile ${target.path}`, `check shapes and parameter counts; writes generated/${name}.ts`],
    [`netspec train ${target.path} --epochs 1 --limit 5000`, 'a quick first training run (drop the options for a full one)'],
    [`netspec compile --target keras ${target.path}`, `the same model as a Keras program, generated/${name}.py`],
  ];
  process.stdout.write(
    `${green('wrote')} ${target.path} (template ${options.template})\n\nNext:\n` + steps.map(([cmd, why]) => `  ${cmd}\n      ${dim(why)}\n`).join(''),
  );
  return EXIT.ok;
}
