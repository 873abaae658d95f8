// "Try the model": the run's model.json loaded by tfjs in the page, a square to draw a digit on
// (or a picture to open or drop), the 28x28 input it becomes, prepared exactly as `predict`
// prepares a file, and the three most likely classes. Below, test images the model gets wrong.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '../emit/custom-layers.js';
import * as api from './api.js';
import { digitFrame, FRAME_SIZE, frameInputShape, greyFromRgba, toWorkingSize, type GreyPicture } from './digit-frame.js';
import { drawGrey, Sketchpad } from './sketchpad.js';
import { probabilities } from '../predict/probabilities.js';
import { installSamePaddingFix } from '../backend/gradients/same-padding.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Pictures larger than this are refused rather than decoded into memory. */
const MAX_PIXELS = 64 * 1024 * 1024;
/** Wrong test images shown at most. */
const MISTAKES_SHOWN = 24;

/** wasm (served by this server) when the browser can run it, else tfjs's plain JavaScript backend. */
async function chooseBackend(): Promise<string> {
  tf.enableProdMode();
  setWasmPaths('/assets/wasm/');
  for (const name of ['wasm', 'cpu']) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        // The stock wasm kernels misread some strided 'same' convolutions (same-padding.ts).
        installSamePaddingFix(name);
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error('no tfjs backend could start in this browser');
}

interface Scored {
  index: number;
  probability: number;
}

function ranked(probs: Float32Array): Scored[] {
  return Array.from(probs, (probability, index) => ({ index, probability })).sort((a, b) => b.probability - a.probability || a.index - b.index);
}

function describeRun(run: api.RunInfo): string {
  const parts = [`${run.name ?? 'A model'} from ${run.dir}`];
  if (run.spec) parts.push(`trained from ${run.spec}`);
  if (run.source) parts.push(`on ${run.source}`);
  let text = parts.join(', ');
  if (run.testAccuracy !== undefined) {
    text += `; test accuracy ${(run.testAccuracy * 100).toFixed(2)}% on ${(run.testSamples ?? 0).toLocaleString('en-US')} images`;
  }
  return `${text}.`;
}

export class TryModel {
  private model: tf.LayersModel | undefined;
  private classes: string[] = [];
  /** The model's input shape for a 28x28 frame, when it takes one. */
  private frameShape: number[] | undefined;
  private pad: Sketchpad | undefined;

  async start(): Promise<void> {
    const info = byId('run-info');
    const run = await api.runInfo();
    if (!run) {
      info.replaceChildren(
        'Give the server a run folder to try a trained model here: ',
        Object.assign(document.createElement('code'), { textContent: 'netspec serve runs/<spec>/<timestamp>' }),
      );
      return;
    }
    info.textContent = `${describeRun(run)} Loading the model…`;
    const backend = await chooseBackend();
    try {
      this.model = await tf.loadLayersModel(api.MODEL_URL);
    } catch (error) {
      info.textContent = `${describeRun(run)} The model could not be loaded: ${(error as Error).message}`;
      info.classList.add('error-text');
      return;
    }
    info.textContent = describeRun(run);
    const outputs = this.model.outputs[0]!.shape.at(-1) ?? 0;
    this.classes = Array.from({ length: outputs }, (_, i) => run.classes?.[i] ?? String(i));
    byId('backend').textContent = `computed in this page by tfjs (${backend} backend)`;
    byId('try-panel').hidden = false;

    const inputShape = this.model.inputs[0]!.shape.slice(1);
    // `predict` prepares digit frames for MNIST-style data only; image folders are resized instead.
    const digits = run.dataKind === undefined || run.dataKind === 'mnist' || run.dataKind === 'idx';
    this.frameShape = digits ? frameInputShape(inputShape) : undefined;
    if (this.frameShape) {
      this.pad = new Sketchpad(byId('pad'), {
        onDrawn: (picture) => this.classify(picture, 'your drawing'),
        onPicture: (file) => void this.openPicture(file),
      });
      byId('clear').addEventListener('click', () => this.clear());
      const picker = byId<HTMLInputElement>('picture');
      picker.addEventListener('change', () => {
        const file = picker.files?.[0];
        if (file) void this.openPicture(file);
        picker.value = '';
      });
      this.clear();
    } else {
      byId('pad')
        .closest('.try-grid')!
        .replaceChildren(
          Object.assign(document.createElement('p'), {
            textContent: digits
              ? `This model takes input [${inputShape.join(', ')}]; drawing works for models of 28x28 greyscale digits, whose input is [28, 28, 1], [28, 28] or [784].`
              : `This model was trained on ${run.source ?? `${run.dataKind} data`}; drawing works for models of MNIST-style digits. \`netspec predict\` prepares pictures for it.`,
          }),
        );
    }
    if (run.noTestData) byId('mistakes-info').textContent = `No test images to show: ${run.noTestData}.`;
    else await this.showMistakes();
  }

  private clear(): void {
    this.pad?.clear();
    byId('top3').replaceChildren();
    drawGrey(byId('frame'), new Float32Array(FRAME_SIZE * FRAME_SIZE), FRAME_SIZE, FRAME_SIZE, 1);
    byId('prepared-from').textContent = 'Draw a digit to see it here.';
  }

  /** Decodes a picture with the browser's own decoders, pixels as stored (no colour conversion). */
  private async openPicture(file: File): Promise<void> {
    const from = byId('prepared-from');
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch {
      from.textContent = `${file.name}: not a picture this browser can read`;
      return;
    }
    const { width, height } = bitmap;
    if (width * height > MAX_PIXELS) {
      from.textContent = `${file.name}: ${width}x${height} is too large to prepare here`;
      bitmap.close();
      return;
    }
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    const pixels = context.getImageData(0, 0, width, height).data;
    this.pad?.show(canvas);
    this.classify(toWorkingSize(greyFromRgba(pixels, width, height)), `${file.name} (${width}x${height})`);
  }

  private classify(picture: GreyPicture, from: string): void {
    if (!this.model || !this.frameShape) return;
    const frame = digitFrame(picture);
    drawGrey(byId('frame'), frame, FRAME_SIZE, FRAME_SIZE, 1);
    byId('prepared-from').textContent = `prepared from ${from}`;
    const model = this.model;
    const shape = this.frameShape;
    const row = tf.tidy(() => (model.predict(tf.tensor(frame, [1, ...shape])) as tf.Tensor).reshape([-1]).dataSync() as Float32Array);
    const top = ranked(probabilities(row)).slice(0, 3);
    byId('top3').replaceChildren(
      ...top.map(({ index, probability }) => {
        const item = document.createElement('li');
        item.dataset.class = String(index);
        item.dataset.probability = String(probability);
        const name = Object.assign(document.createElement('span'), { className: 'name', textContent: this.classes[index] ?? String(index) });
        const bar = Object.assign(document.createElement('span'), { className: 'bar' });
        const fill = document.createElement('span');
        fill.style.width = `${(probability * 100).toFixed(1)}%`;
        bar.append(fill);
        const share = Object.assign(document.createElement('span'), { className: 'share', textContent: `${(probability * 100).toFixed(1)}%` });
        item.append(name, bar, share);
        return item;
      }),
    );
  }

  /** Runs the model on a fixed sample of the test split and shows the images it gets wrong. */
  private async showMistakes(): Promise<void> {
    const info = byId('mistakes-info');
    info.textContent = 'Looking for test images the model gets wrong…';
    const model = this.model!;
    let sample: api.TestSample;
    try {
      const answer = await api.testSample();
      if ('unavailable' in answer) throw new Error(answer.unavailable);
      sample = answer;
    } catch (error) {
      info.textContent = `No test images to show: ${(error as Error).message}`;
      return;
    }
    const [h, w, c] = sample.shape;
    const perImage = h * w * c;
    const inputShape = model.inputs[0]!.shape.slice(1) as number[];
    if (inputShape.reduce((a, b) => a * b, 1) !== perImage) {
      info.textContent = `The test images are ${h}x${w}x${c}, which does not fit the model's input [${inputShape.join(', ')}].`;
      return;
    }
    const bytes = Uint8Array.from(atob(sample.pixels), (ch) => ch.charCodeAt(0));
    const pixels = Float32Array.from(bytes, (v) => v / 255);
    const wrong: Array<{ k: number; label: number; guess: Scored }> = [];
    const batch = 100;
    for (let start = 0; start < sample.count; start += batch) {
      const end = Math.min(sample.count, start + batch);
      const values = tf.tidy(() => {
        const x = tf.tensor(pixels.subarray(start * perImage, end * perImage), [end - start, ...inputShape]);
        return (model.predict(x) as tf.Tensor).reshape([end - start, -1]).dataSync() as Float32Array;
      });
      const classes = values.length / (end - start);
      for (let k = start; k < end; k++) {
        const guess = ranked(probabilities(values.subarray((k - start) * classes, (k - start + 1) * classes)))[0]!;
        if (guess.index !== sample.labels[k]) wrong.push({ k, label: sample.labels[k]!, guess });
      }
      await tf.nextFrame(); // keep the page responsive between batches
    }
    const share = ((100 * wrong.length) / sample.count).toFixed(1);
    info.textContent = wrong.length
      ? `${wrong.length} of ${sample.count.toLocaleString('en-US')} test images (evenly spread over all ${sample.total.toLocaleString('en-US')}) are misclassified (${share}%)${wrong.length > MISTAKES_SHOWN ? `; the first ${MISTAKES_SHOWN}` : ''}:`
      : `The model gets all ${sample.count.toLocaleString('en-US')} sampled test images right.`;
    const name = (i: number): string => this.classes[i] ?? String(i);
    byId('mistakes').replaceChildren(
      ...wrong.slice(0, MISTAKES_SHOWN).map(({ k, label, guess }) => {
        const figure = document.createElement('figure');
        figure.dataset.index = String(sample.indices[k]);
        const canvas = document.createElement('canvas');
        drawGrey(canvas, pixels.subarray(k * perImage, (k + 1) * perImage), w, h, c);
        const caption = document.createElement('figcaption');
        caption.append(
          `#${sample.indices[k]}: a ${name(label)}, seen as `,
          Object.assign(document.createElement('b'), { textContent: name(guess.index) }),
          ` (${(guess.probability * 100).toFixed(0)}%)`,
        );
        figure.append(canvas, caption);
        return figure;
      }),
    );
  }
}
