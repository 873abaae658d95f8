// The square a digit is drawn on: white strokes on black, like MNIST, from a mouse, pen or
// finger (pointer events). The picture is handed on while drawing (once per frame) and when a
// stroke ends; a picture file dropped on the square is handed on too.
import { greyFromRgba, type GreyPicture } from './digit-frame.js';

/** Stroke width as a share of the square: about MNIST's pen for a digit drawn across most of it. */
const PEN = 0.065;

export interface SketchpadHooks {
  onDrawn(picture: GreyPicture): void;
  onPicture(file: File): void;
}

export class Sketchpad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;
  private frame = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly hooks: SketchpadHooks,
  ) {
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel'] as const) canvas.addEventListener(type, () => this.up());
    canvas.addEventListener('dragover', (e) => {
      e.preventDefault();
      canvas.classList.add('dropping');
    });
    canvas.addEventListener('dragleave', () => canvas.classList.remove('dropping'));
    canvas.addEventListener('drop', (e) => {
      e.preventDefault();
      canvas.classList.remove('dropping');
      const file = e.dataTransfer?.files[0];
      if (file) hooks.onPicture(file);
    });
  }

  clear(): void {
    this.context.fillStyle = '#000';
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Shows an opened picture, scaled to fit (what the model sees is prepared from the original). */
  show(source: CanvasImageSource & { width: number; height: number }): void {
    this.clear();
    const scale = Math.min(this.canvas.width / source.width, this.canvas.height / source.height);
    const [w, h] = [source.width * scale, source.height * scale];
    this.context.drawImage(source, (this.canvas.width - w) / 2, (this.canvas.height - h) / 2, w, h);
  }

  picture(): GreyPicture {
    const { width, height } = this.canvas;
    return greyFromRgba(this.context.getImageData(0, 0, width, height).data, width, height);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - box.left) * this.canvas.width) / box.width, y: ((e.clientY - box.top) * this.canvas.height) / box.height };
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.point(e);
    this.line(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (!this.last) return;
    const next = this.point(e);
    this.line(this.last, next);
    this.last = next;
    if (!this.frame)
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        if (this.last) this.hooks.onDrawn(this.picture());
      });
  }

  private up(): void {
    if (!this.last) return;
    this.last = undefined;
    this.hooks.onDrawn(this.picture());
  }

  private line(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const c = this.context;
    c.strokeStyle = '#fff';
    c.lineWidth = PEN * this.canvas.width;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
  }
}

/** Draws grey (1 channel) or RGB (3 channels) values in [0, 1] on a canvas of that size. */
export function drawGrey(canvas: HTMLCanvasElement, values: Float32Array, width: number, height: number, channels: number): void {
  canvas.width = width;
  canvas.height = height;
  const image = new ImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) image.data[4 * p + k] = Math.round(255 * values[p * channels + (channels === 3 ? k : 0)]!);
    image.data[4 * p + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}
