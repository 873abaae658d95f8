#!/usr/bin/env node
// The `netspec` command run from its TypeScript sources through tsx: what the tests and the
// repository's npm scripts use, so a change in src/ counts at once, without a build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
