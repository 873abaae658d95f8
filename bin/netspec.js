#!/usr/bin/env node
// Entry point of the `netspec` command: runs the built CLI in dist/ (written by `npm run build`,
// which `npm install` of the repository runs).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js')) throw error;
  process.stderr.write('error: netspec is not built: run `npm install` (or `npm run build`) in the netspec folder\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
