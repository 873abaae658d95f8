// `netspec evaluate RUN_DIR`: reload a saved model and evaluate it on the run's test set.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendPreference } from '../backend/select.js';
import { DataError } from '../data/datasets.js';
import { evaluateRun, formatTestSummary } from '../train/index.js';
import { ModelFileError } from '../train/model-io.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { chooseBackend } from './run-output.js';
import { dim, green, yellow } from './style.js';

export async function evaluateCommand(dir: string, flags: { backend?: BackendPreference; maxPixels?: number; cache?: boolean }): Promise<number> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`${dir} is not a run folder (it has no model.json); pass a folder under runs/<spec>/`);
  }
  const backend = await chooseBackend(flags.backend);
  process.stdout.write(`${dim('backend:')} ${backend.name} (${backend.reason})\n`);
  try {
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
        `${yellow('differs')} from the saved results (accuracy ${(saved.accuracy * 100).toFixed(2)}%, loss ${saved.loss.toFixed(6)}); ` +
          'expected only when evaluating on another backend than the one that trained\n',
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof DataError || error instanceof ModelFileError) throw new UserError(error.message);
    throw error;
  }
}
