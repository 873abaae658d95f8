// `npm run sample-data [-- OUT_DIR]`: writes the sample datasets the docs and the starter specs
// use, from the MNIST digits that ship with netspec (nothing is downloaded):
//   OUT_DIR/digits/<zero..nine>/*.png|jpg   an image folder, PNG and JPEG of mixed sizes and modes
//   OUT_DIR/digits.csv                       8x8 digits as 64 numeric columns and a text label
// OUT_DIR defaults to data/samples.
import path from 'node:path';
import { writeDigitCsv, writeDigitFolder } from '../src/data/samples.js';

const out = process.argv[2] ?? path.join('data', 'samples');
const images = await writeDigitFolder(path.join(out, 'digits'), { perClass: 60 });
console.log(`wrote ${images} images to ${path.join(out, 'digits')} (one folder per digit, PNG and JPEG, 20 to 64 pixels)`);
const rows = await writeDigitCsv(path.join(out, 'digits.csv'), 3000);
console.log(`wrote ${rows} rows to ${path.join(out, 'digits.csv')} (64 features, label column 'digit')`);
