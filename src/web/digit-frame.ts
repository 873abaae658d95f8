// The page's preparation of a drawn or opened picture, step for step the one `netspec predict`
// applies to a file (src/predict/preprocess.ts), so a digit gets the same 28x28 input in both:
//   0. a picture over 560 pixels on its longer side is first shrunk to 560 (the digit ends up 20
//      pixels tall anyway); predict lets its decoder do this, the page averages areas;
//   1. grey = Rec. 601 luma, composited over black or white, whichever contrasts with the strokes;
//   2. inverted when the picture is mostly light (MNIST digits are light on dark);
//   3. stretched so the background (the median) is 0 and the strongest stroke 1;
//   4. the ink's bounding box (values over 0.1) resized to fit 20x20, keeping its aspect ratio
//      (area-averaging when shrinking, linear when growing);
//   5. placed in 28x28 with its centre of mass in the middle of pixel 14, as MNIST places it.
// The page decodes pictures with the browser's own decoders (any format it can show) and
// hands the RGBA pixels here. test/web-digit-frame.test.ts checks both paths agree exactly up to
// 560 pixels, and closely beyond (where the two shrink with different filters).

export const FRAME_SIZE = 28;
const BOX_SIZE = 20;
/** Pictures larger than this on their longer side are shrunk to it first, as `predict` does. */
export const WORKING_SIZE = 560;
/** Ink fainter than this share of the strongest stroke is not part of the digit's box. */
const SPECK = 0.1;

/** Grey values in [0, 1], row-major. */
export interface GreyPicture {
  width: number;
  height: number;
  values: Float32Array;
}

/** Step 1: RGBA bytes (as canvas ImageData holds them) to grey. */
export function greyFromRgba(rgba: ArrayLike<number>, width: number, height: number): GreyPicture {
  const count = width * height;
  const luma = new Float32Array(count);
  const opacity = new Float32Array(count);
  let inkTimesOpacity = 0;
  let opacityTotal = 0;
  for (let p = 0; p < count; p++) {
    const o = 4 * p;
    luma[p] = (0.299 * rgba[o]! + 0.587 * rgba[o + 1]! + 0.114 * rgba[o + 2]!) / 255;
    opacity[p] = rgba[o + 3]! / 255;
    inkTimesOpacity += luma[p]! * opacity[p]!;
    opacityTotal += opacity[p]!;
  }
  // Transparent areas become the colour the visible strokes stand out against.
  const backdrop = opacityTotal > 0 && inkTimesOpacity / opacityTotal > 0.5 ? 0 : 1;
  const values = new Float32Array(count);
  for (let p = 0; p < count; p++) values[p] = luma[p]! * opacity[p]! + backdrop * (1 - opacity[p]!);
  return { width, height, values };
}

/** Steps 2 and 3: light-on-dark ink scaled to [0, 1], or undefined for a blank picture. */
function normalisedInk(picture: GreyPicture): Float32Array | undefined {
  const count = picture.values.length;
  let total = 0;
  for (let p = 0; p < count; p++) total += picture.values[p]!;
  const ink = total / count > 0.5 ? picture.values.map((v) => 1 - v) : picture.values.slice();
  const ordered = ink.slice().sort();
  const background = ordered[Math.floor(count / 2)]!;
  const strongest = ordered[count - 1]!;
  if (strongest - background < 1e-3) return undefined;
  for (let p = 0; p < count; p++) ink[p] = Math.max(0, (ink[p]! - background) / (strongest - background));
  return ink;
}

/** For each of `to` output cells, the input cells it reads and their weights. */
function taps(from: number, to: number): Array<Array<[index: number, weight: number]>> {
  const step = from / to;
  return Array.from({ length: to }, (_, j) => {
    if (to <= from) {
      // Shrinking: the cell covers [j*step, (j+1)*step) of the input; each input cell counts by overlap.
      const start = j * step;
      const end = (j + 1) * step;
      const cells: Array<[number, number]> = [];
      for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
        const overlap = Math.min(end, i + 1) - Math.max(start, i);
        if (overlap > 0) cells.push([i, overlap / step]);
      }
      return cells;
    }
    const at = Math.min(from - 1, Math.max(0, (j + 0.5) * step - 0.5));
    const i = Math.floor(at);
    const frac = at - i;
    return frac > 0 && i + 1 < from
      ? [
          [i, 1 - frac],
          [i + 1, frac],
        ]
      : [[i, 1 - frac]];
  });
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

function inkBox(ink: Float32Array, width: number, height: number): Box {
  let left = width,
    top = height,
    right = -1,
    bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! <= SPECK) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** Step 4: the box of `ink` resized to `outWidth` x `outHeight`, columns first, then rows. */
function resizeBox(ink: Float32Array, stride: number, box: Box, outWidth: number, outHeight: number): Float32Array {
  const across = taps(box.width, outWidth);
  const down = taps(box.height, outHeight);
  const rows = new Float32Array(outWidth * box.height);
  for (let y = 0; y < box.height; y++) {
    const rowStart = (box.top + y) * stride + box.left;
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (const [i, weight] of across[x]!) sum += weight * ink[rowStart + i]!;
      rows[y * outWidth + x] = sum;
    }
  }
  const out = new Float32Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (const [i, weight] of down[y]!) sum += weight * rows[i * outWidth + x]!;
      out[y * outWidth + x] = sum;
    }
  }
  return out;
}

/** Step 0: a picture over WORKING_SIZE on its longer side, shrunk to it (aspect ratio kept); others as they are. */
export function toWorkingSize(picture: GreyPicture): GreyPicture {
  const longer = Math.max(picture.width, picture.height);
  if (longer <= WORKING_SIZE) return picture;
  const width = Math.max(1, Math.round((picture.width * WORKING_SIZE) / longer));
  const height = Math.max(1, Math.round((picture.height * WORKING_SIZE) / longer));
  const whole = { left: 0, top: 0, width: picture.width, height: picture.height };
  return { width, height, values: resizeBox(picture.values, picture.width, whole, width, height) };
}

/** The 28x28 model input for a picture of one digit, values in [0, 1]; all zeros for a blank picture. */
export function digitFrame(picture: GreyPicture): Float32Array {
  const frame = new Float32Array(FRAME_SIZE * FRAME_SIZE);
  const ink = normalisedInk(picture);
  if (!ink) return frame;
  const box = inkBox(ink, picture.width, picture.height);
  const scale = BOX_SIZE / Math.max(box.width, box.height);
  const width = Math.max(1, Math.round(box.width * scale));
  const height = Math.max(1, Math.round(box.height * scale));
  const digit = resizeBox(ink, picture.width, box, width, height);

  // Step 5: shift by whole pixels so the centre of mass (pixel i spans [i, i+1)) lands in the
  // middle of pixel 14, where MNIST puts it (its digits' centres lie around 14.5).
  let mass = 0,
    sumX = 0,
    sumY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = digit[y * width + x]!;
      mass += v;
      sumX += v * (x + 0.5);
      sumY += v * (y + 0.5);
    }
  }
  const shiftX = Math.round(FRAME_SIZE / 2 + 0.5 - sumX / mass);
  const shiftY = Math.round(FRAME_SIZE / 2 + 0.5 - sumY / mass);
  for (let y = 0; y < height; y++) {
    const fy = y + shiftY;
    if (fy < 0 || fy >= FRAME_SIZE) continue;
    for (let x = 0; x < width; x++) {
      const fx = x + shiftX;
      if (fx >= 0 && fx < FRAME_SIZE) frame[fy * FRAME_SIZE + fx] = Math.min(1, digit[y * width + x]!);
    }
  }
  return frame;
}

/** How the frame is fed to a model with this input shape (batch dimension left out), or undefined when it cannot be. */
export function frameInputShape(inputShape: ReadonlyArray<number | null>): number[] | undefined {
  const accepted = [[FRAME_SIZE, FRAME_SIZE, 1], [FRAME_SIZE, FRAME_SIZE], [FRAME_SIZE * FRAME_SIZE]];
  return accepted.find((shape) => shape.length === inputShape.length && shape.every((d, i) => d === inputShape[i]));
}
