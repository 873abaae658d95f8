// `npm run build:web [-- DIR]`: builds the page `netspec serve` serves into dist/web/ (or DIR).
import { BundleError, buildWebBundle } from '../src/serve/bundle.js';

try {
  const report = await buildWebBundle(process.argv[2]);
  for (const [file, bytes] of Object.entries(report.files)) process.stdout.write(`  ${file.padEnd(36)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB\n`);
  process.stdout.write(`wrote ${report.dir} in ${report.seconds.toFixed(1)} s\n`);
} catch (error) {
  if (!(error instanceof BundleError)) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  process.exitCode = 1;
}
