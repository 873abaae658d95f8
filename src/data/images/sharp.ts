// sharp (libvips) is loaded on first use only: compiling a spec never needs it, and its
// native library takes a moment to load.
import type SharpType from 'sharp';
import { DataError } from '../errors.js';

type Sharp = typeof SharpType;
let loaded: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  loaded ??= import('sharp').then(
    (module) => {
      const sharp = module.default;
      // Images are decoded once each, so libvips's operation cache would only hold memory;
      // parallelism comes from decoding many images at once, one thread each.
      sharp.cache(false);
      sharp.concurrency(1);
      return sharp;
    },
    (error: unknown) => {
      loaded = undefined;
      throw new DataError(
        `the image library sharp cannot be loaded (${(error as Error).message.split('\n')[0]}); ` +
          'run `npm install` (sharp ships prebuilt binaries for Linux, macOS and Windows in its npm packages)',
      );
    },
  );
  return loaded;
}
