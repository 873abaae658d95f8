// File names that no platform can hold, shared by validation (which refuses them at the spec's
// line) and the emitters (which never write them).

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** Device names Windows reserves whatever the extension (con.ts is the console there too). */
export function isReservedFileName(name: string): boolean {
  return WINDOWS_RESERVED.test(name);
}
