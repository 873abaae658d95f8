// `netspec evaluate RUN_DIR`: reload a saved model and evaluate it on the run's test set.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendPreference } from '../backend/select.js';
import { evaluateRun, formatTestSummary } from '../train/index.js';
import { EXIT, UsageError } from './errors.js';
import { chooseBackend } from './run-output.js';
import { dim, green, yellow } from './style.js';

export async function evaluateCommand(dir: string, flags: { backend?: BackendPreference; maxPixels?: number; cache?: boolean }): Promise<number> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`${dir} is not a run folder (it has no model.json); pass a folder under runs/<spec>/`);
  }
  const backend = await chooseBackend(flags.backend);
  process.stdout.write(`${dim('backend:')} ${backend.name} (${backend.reason})\n`);
  const result = await evaluateRun(dir, {
    ...(flags.maxPixels !== undefined ? { maxPixels: flags.maxPixels } : {}),
    ...(flags.cache === false ? { cacheDir: false as const } : {}),
  });
  process.stdout.write(`${formatTestSummary({ ...result, samples: result.count })}\n`);
  if (result.reproduced === true) {
    process.stdout.write(`${green('reproduced')}: loss, accuracy and confusion matrix equal the saved results exactly\n`);
  } else if (result.reproduced === false) {
    const saved = result.saved!;
    process.stdout.write(
      `${yellow('differs')} from the saved results (accuracy ${(saved.accuracy * 100).toFixed(2)}%, loss ${saved.loss.toFixed(6)}): ${result.difference}\n`,
    );
  }
  return EXIT.ok;
}
