// What train says about its data before training: where it came from, how many samples and
// classes, and anything worth knowing once (skipped files, resized images).
import type { Dataset, LoadOptions } from '../data/datasets.js';
import { dim, yellow } from './style.js';

/** The data-loading options the train flags ask for. */
export function dataLoadOptions(flags: { limit?: number; maxPixels?: number; cache?: boolean }): LoadOptions {
  return {
    ...(flags.limit !== undefined ? { limit: flags.limit, testLimit: Number.MAX_SAFE_INTEGER } : {}),
    ...(flags.maxPixels !== undefined ? { maxPixels: flags.maxPixels } : {}),
    ...(flags.cache === false ? { cacheDir: false as const } : {}),
  };
}

/** "data: image folder (data/pets): 96 training and 24 test samples, 2 classes (cat, dog)" and the notes. */
export function printDataSummary(dataset: Dataset): void {
  const n = dataset.classNames.length;
  const classes = n <= 12 ? ` (${dataset.classNames.join(', ')})` : '';
  const count = (c: number): string => c.toLocaleString('en-US');
  process.stdout.write(
    `${dim('data:')} ${dataset.source}: ${count(dataset.train.count)} training and ${count(dataset.test.count)} test samples, ` + `${n} classes${classes}\n`,
  );
  for (const note of dataset.notes) process.stdout.write(`${yellow('note:')} ${note}\n`);
}
