// `kind: image_folder`: a folder with one subfolder per class, as Keras's
// image_dataset_from_directory reads. Images of any size and colour mode are decoded and
// resized to the spec's input (bilinear, stretched by default), with a separate test folder
// or a seeded, stratified test split.
import os from 'node:os';
import path from 'node:path';
import { orderClasses } from '../classes.js';
import { DataError } from '../errors.js';
import { displayPath, plural } from '../display.js';
import type { Dataset, DatasetKind, LoadContext, Prepared } from '../kind.js';
import { CLASSES_PROPERTY, kindProperty, optionalStrings, pathProperty, SPLIT_SEED_PROPERTY, TEST_SPLIT_PROPERTY } from '../schema-parts.js';
import { gatherSplit, shuffledOrder, stratifiedSplit } from '../splits.js';
import { DEFAULT_MAX_PIXELS, type ImageTarget } from '../images/decode.js';
import { RESIZE_MODES, type ResizeMode } from '../resize-modes.js';
import { DEFAULT_CACHE_DIR } from '../images/cache.js';
import { loadImages } from '../images/load.js';
import { describeTarget, imagePredictor } from '../images/predict.js';
import { listImageFolder, skippedNote, type FolderListing } from '../images/scan.js';

export interface ImageFolderRef {
  kind: 'image_folder';
  /** The training folder (or the whole data when testDir is absent), relative to the spec. */
  dir: string;
  testDir?: string;
  testSplit: number;
  splitSeed: number;
  resize: ResizeMode;
  /** [height, width] to resize to; default: the spec's input. */
  size?: [number, number];
  channels?: 1 | 3;
  classes?: string[];
}

const schema = {
  type: 'object',
  title: 'image folder dataset',
  description:
    'A folder with one subfolder per class, holding PNG, JPEG, GIF, WebP, TIFF or AVIF images of any size; class names are the subfolder names, sorted. Images are resized to the spec\'s input and converted to its channels (1: grey, 3: RGB).',
  additionalProperties: false,
  required: ['kind', 'dir'],
  properties: {
    kind: kindProperty('image_folder', 'a folder with one subfolder of images per class.'),
    dir: pathProperty('the image folder', 'The folder of class subfolders, relative to the spec file.', 'data/pets'),
    test_dir: pathProperty(
      'the test image folder',
      'A separate folder of test images with the same class subfolders. Without it, `test_split` of each class is held out.',
      'data/pets-test',
    ),
    test_split: TEST_SPLIT_PROPERTY,
    split_seed: SPLIT_SEED_PROPERTY,
    resize: {
      title: 'how images are fitted to the input',
      description:
        '`stretch` resizes to the input size ignoring the aspect ratio (bilinear; Keras\'s default); `crop` cuts the largest centred region of the input\'s aspect ratio, then resizes; `pad` resizes to fit inside and fills the rest with black.',
      type: 'string',
      enum: [...RESIZE_MODES],
      default: 'stretch',
      examples: ['stretch', 'crop'],
    },
    size: {
      title: 'the size to resize to',
      description: 'The [height, width] images are resized to, for a spec whose input is flat. Defaults to the spec\'s input.',
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { type: 'integer', minimum: 1, maximum: 4096, description: 'A size in pixels.' },
      examples: [[28, 28]],
    },
    channels: {
      title: 'the colour channels',
      description: 'The colour channels images are converted to, for a spec whose input is flat: 1 for grey, 3 for RGB. Defaults to the spec\'s input.',
      type: 'integer',
      enum: [1, 3],
      examples: [3],
    },
    classes: CLASSES_PROPERTY,
  },
};

/** The pixel grid images are brought to: from `size`/`channels`, else the spec's input. */
export function imageTarget(ref: Pick<ImageFolderRef, 'size' | 'channels' | 'resize'>, inputShape: readonly number[]): ImageTarget {
  const show = `[${inputShape.join(', ')}]`;
  const [h, w] = ref.size ?? (inputShape.length >= 2 ? [inputShape[0]!, inputShape[1]!] : []);
  const channels = ref.channels ?? (inputShape.length === 3 ? inputShape[2] : inputShape.length === 2 ? 1 : undefined);
  if (h === undefined || w === undefined || channels === undefined) {
    throw new DataError(
      `the spec's input ${show} is flat, so the image size cannot be taken from it; give the dataset ` +
        "`size: [height, width]` and `channels: 1` (grey) or `3` (RGB), or write the input as [height, width, channels]",
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new DataError(`the spec's input ${show} has ${channels} channels; images are loaded as 1 (grey) or 3 (RGB) channels`);
  }
  return { height: h, width: w, channels, resize: ref.resize };
}

/**
 * Decoded images stay in memory: a byte per value while decoding, then four as the floats
 * training takes. A folder that would not fit is refused before decoding starts.
 */
function checkMemory(count: number, target: ImageTarget, root: string): void {
  const values = count * target.height * target.width * target.channels;
  const bytes = values * 5;
  const budget = os.totalmem() * 0.6;
  if (bytes <= budget) return;
  const gib = (b: number): string => (b / 1024 ** 3).toFixed(1);
  throw new DataError(
    `${displayPath(root)}: ${count.toLocaleString('en-US')} images of ${target.height}x${target.width}x${target.channels} would take ` +
      `${gib(bytes)} GiB in memory, more than the ${gib(budget)} GiB this machine can spare; use a smaller input size, or fewer images`,
  );
}

function classMapping(listing: FolderListing, classes: readonly string[]): number[] {
  return listing.classes.map((name) => classes.indexOf(name));
}

async function loadFolder(ref: ImageFolderRef, ctx: LoadContext): Promise<Dataset> {
  const root = path.resolve(ctx.specDir, ref.dir);
  const testRoot = ref.testDir === undefined ? undefined : path.resolve(ctx.specDir, ref.testDir);
  const target = imageTarget(ref, ctx.inputShape);
  const listing = await listImageFolder(root);
  const testListing = testRoot ? await listImageFolder(testRoot, { allowSingleClass: true }) : undefined;
  const classes = orderClasses(listing.classes, ref.classes, displayPath(root));
  const unknown = testListing?.classes.filter((c) => !classes.includes(c)) ?? [];
  if (unknown.length) {
    throw new DataError(
      `${displayPath(path.join(testRoot!, unknown[0]!))}: class '${unknown[0]}' has test images but no class folder in ` +
        `${displayPath(root)}; the model can only learn the classes it trains on (training classes: ${classes.join(', ')})`,
    );
  }
  checkMemory(listing.files.length + (testListing?.files.length ?? 0), target, root);
  const options = { maxPixels: ctx.maxPixels ?? DEFAULT_MAX_PIXELS, cacheDir: ctx.cacheDir ?? DEFAULT_CACHE_DIR };
  const images = await loadImages(root, listing.files, target, options);
  const testImages = testListing ? await loadImages(testRoot!, testListing.files, target, options) : undefined;

  const toClass = classMapping(listing, classes);
  const labels = Uint8Array.from(listing.files, (f) => toClass[f.classIndex]!);
  const sampleSize = target.height * target.width * target.channels;
  const scale = 1 / 255;
  let train: Dataset['train'];
  let test: Dataset['test'];
  if (testListing && testImages) {
    const order = shuffledOrder(labels.length, ref.splitSeed);
    train = gatherSplit(images.pixels, labels, order, sampleSize, ctx.limit, scale);
    const toTestClass = classMapping(testListing, classes);
    const testLabels = Uint8Array.from(testListing.files, (f) => toTestClass[f.classIndex]!);
    const all = Array.from({ length: testLabels.length }, (_, i) => i);
    test = gatherSplit(testImages.pixels, testLabels, all, sampleSize, ctx.testLimit ?? ctx.limit, scale);
  } else {
    const split = stratifiedSplit(labels, ref.testSplit, ref.splitSeed);
    train = gatherSplit(images.pixels, labels, split.train, sampleSize, ctx.limit, scale);
    test = gatherSplit(images.pixels, labels, split.test, sampleSize, ctx.testLimit ?? ctx.limit, scale);
  }

  const total = listing.files.length + (testListing?.files.length ?? 0);
  const notes = [skippedNote(listing), testListing && skippedNote(testListing)].filter((n): n is string => n !== undefined);
  const resized = images.resized + (testImages?.resized ?? 0);
  const converted = images.converted + (testImages?.converted ?? 0);
  if (resized) notes.push(`${plural(resized, 'image')} of ${total.toLocaleString('en-US')} ${resized === 1 ? 'was' : 'were'} ${describeTarget(target)}`);
  if (converted) notes.push(`${plural(converted, 'image')} converted to ${target.channels === 1 ? 'grey' : 'RGB'}`);
  notes.push(...images.notes, ...(testImages?.notes ?? []));
  const sampleShape = [target.height, target.width, target.channels];
  const prepared: Prepared = { classes, sampleShape, resize: target.resize };
  const where = testRoot ? `${displayPath(root)}, test ${displayPath(testRoot)}` : displayPath(root);
  return { train, test, sampleShape, numClasses: classes.length, classNames: classes, exactClassCount: true, source: `image folder (${where})`, prepared, notes };
}

function recordedTarget(prepared: Prepared): ImageTarget {
  const [height, width, channels] = prepared.sampleShape;
  const resize = (prepared.resize as ResizeMode | undefined) ?? 'stretch';
  return { height: height!, width: width!, channels: channels as 1 | 3, resize };
}

export const imageFolderKind: DatasetKind<ImageFolderRef> = {
  kind: 'image_folder',
  schema,
  refFields: { dir: 'path', testDir: 'path?', testSplit: 'fraction', splitSeed: 'seed', resize: RESIZE_MODES, size: 'size?', channels: 'channels?', classes: 'texts?' },
  lower(raw, { seed }) {
    const ref: ImageFolderRef = {
      kind: 'image_folder',
      dir: raw.dir as string,
      testSplit: typeof raw.test_split === 'number' ? raw.test_split : 0.2,
      splitSeed: typeof raw.split_seed === 'number' ? raw.split_seed : seed,
      resize: (raw.resize as ResizeMode | undefined) ?? 'stretch',
    };
    if (typeof raw.test_dir === 'string') ref.testDir = raw.test_dir;
    if (Array.isArray(raw.size)) ref.size = [raw.size[0] as number, raw.size[1] as number];
    if (raw.channels === 1 || raw.channels === 3) ref.channels = raw.channels;
    const classes = optionalStrings(raw, 'classes');
    if (classes) ref.classes = classes;
    return ref;
  },
  load: loadFolder,
  async loadTest(ref, ctx, prepared) {
    const target = recordedTarget(prepared);
    const data = await loadFolder(ref, { ...ctx, inputShape: [target.height, target.width, target.channels] });
    if (JSON.stringify(data.classNames) !== JSON.stringify(prepared.classes)) {
      throw new DataError(
        `the classes of ${data.source} are now ${data.classNames.join(', ')} but the model was trained on ` +
          `${prepared.classes.join(', ')}; the folder changed since training`,
      );
    }
    return { split: data.test, source: data.source };
  },
  predictor(_ref, prepared) {
    return imagePredictor(recordedTarget(prepared));
  },
};
