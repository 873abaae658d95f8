// Terminal styling: colour only on a terminal, and never when NO_COLOR is set (no-color.org).
import type { WriteStream } from 'node:tty';

export function colorEnabled(stream: NodeJS.WriteStream | WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

const wrap = (open: number, close: number) => (text: string, stream?: NodeJS.WriteStream) =>
  colorEnabled(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const red = wrap(31, 39);
export const green = wrap(32, 39);
export const yellow = wrap(33, 39);
export const dim = wrap(2, 22);
export const bold = wrap(1, 22);
