// The local web server behind `netspec serve`: node:http on 127.0.0.1 by default, handing out
// the page and its assets, the specs folder (read; save only on request, after compile's
// checks) and the run folder (read only). Nothing else on disk is reachable: every file is
// either on a fixed list made at start or one plain name checked against its folder, links
// followed. Every response carries a strict Content-Security-Policy, and requests for another
// host name or from another site are refused, so a web page elsewhere cannot use the server.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MAX_SPEC_BYTES } from '../compile/load.js';
import { DataError } from '../data/datasets.js';
import { fileInFolder, PathRefused } from './paths.js';
import { describeRun, loadTestSample, type TestSample } from './run.js';
import { listSpecs, readSpec, saveSpec, type SpecFolder } from './specs.js';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The built page (dist/web/). */
  webDir: string;
  specs: SpecFolder;
  run?: { dir: string; shown: string };
  /** Called with one line per request that failed on the server's side. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The page may run its own scripts and WebAssembly, style itself and fetch from this server;
 * nothing else. The editor adds one <style> element, admitted by a nonce that is new for every
 * load of the page (other responses are not documents and get no nonce).
 */
export function contentSecurityPolicy(nonce?: string): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    nonce ? `style-src 'self' 'nonce-${nonce}'` : "style-src 'self'",
    // data: images only: the editor draws its error markers as inline SVG pictures.
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Placeholder in index.html for the nonce of this response. */
const NONCE_MARK = '{{csp-nonce}}';

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.png': 'image/png',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string, nonce?: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(nonce),
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const sendJson = (res: ServerResponse, value: unknown, status = 200): void => send(res, status, JSON.stringify(value), TYPES['.json']!);

/** A file as it is on disk, streamed (a run's weights may be large). */
function sendFile(res: ServerResponse, file: string): void {
  const { size } = statSync(file);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(),
    'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
  });
  if (res.req.method === 'HEAD') return void res.end();
  pipeline(createReadStream(file), res).catch(() => res.destroy());
}

/** The path's segments, each percent-decoded; '.' and '..' are refused rather than resolved. */
function segmentsOf(url: string): string[] {
  const pathname = url.split(/[?#]/, 1)[0]!;
  if (!pathname.startsWith('/')) throw new HttpError(400, 'the request path must start with /');
  return pathname
    .slice(1)
    .split('/')
    .map((raw) => {
      let segment: string;
      try {
        segment = decodeURIComponent(raw);
      } catch {
        throw new HttpError(400, 'the request path is not valid percent-encoding');
      }
      if (segment === '.' || segment === '..') throw new HttpError(403, 'paths with . or .. are refused');
      return segment;
    });
}

/** The page's files, found once at start: nothing under the bundle folder is reachable unless listed here. */
function assetTable(webDir: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const file of ['app.js', 'style.css', 'favicon.svg']) table.set(file, path.join(webDir, file));
  const wasm = path.join(webDir, 'wasm');
  if (existsSync(wasm)) for (const file of readdirSync(wasm)) if (file.endsWith('.wasm')) table.set(`wasm/${file}`, path.join(wasm, file));
  return table;
}

/**
 * The request body, at most `limit` bytes. A larger one is read to its end without being kept
 * (so the client hears the refusal rather than a reset connection), up to a bound past which
 * the connection is cut.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const tooLarge = new HttpError(413, `the spec is larger than ${limit} bytes (1 MiB)`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * limit) {
      req.destroy();
      throw tooLarge;
    }
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw tooLarge;
  return Buffer.concat(chunks);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const assets = assetTable(options.webDir);
  const index = path.join(options.webDir, 'index.html');
  let port = 0;
  let testSample: Promise<TestSample> | undefined;
  let saving: Promise<unknown> = Promise.resolve();

  /** Requests must name this server: a page elsewhere that rebinds its own host name to 127.0.0.1 is turned away. */
  const checkHost = (req: IncomingMessage): void => {
    if (!LOOPBACK.has(options.host)) return;
    const host = req.headers.host ?? '';
    const match = /^(.*):(\d+)$/.exec(host);
    if (!match || !LOOPBACK.has(match[1]!) || Number(match[2]) !== port) throw new HttpError(421, `this server answers only to 127.0.0.1:${port}`);
  };

  /** Writes only from this server's own page: another site's script cannot save specs. */
  const checkSameSite = (req: IncomingMessage): void => {
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if ((site !== undefined && site !== 'same-origin') || (origin !== undefined && origin !== `http://${req.headers.host}`)) {
      throw new HttpError(403, 'saving is allowed only from the page this server serves');
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    checkHost(req);
    const method = req.method ?? 'GET';
    const parts = segmentsOf(req.url ?? '/');
    const route = parts.join('/');
    const reading = method === 'GET' || method === 'HEAD';

    if (route === '' && reading) {
      const nonce = randomBytes(16).toString('base64');
      return send(res, 200, readFileSync(index, 'utf8').replaceAll(NONCE_MARK, nonce), TYPES['.html']!, nonce);
    }
    if (parts[0] === 'assets' && reading) {
      const file = assets.get(parts.slice(1).join('/'));
      if (!file || !existsSync(file)) throw new HttpError(404, 'no such asset');
      return sendFile(res, file);
    }
    if (route === 'api/specs' && reading) return sendJson(res, { folder: options.specs.display, specs: listSpecs(options.specs) });
    if (parts[0] === 'api' && parts[1] === 'specs' && parts.length === 3) {
      const name = parts[2]!;
      if (reading) return send(res, 200, readSpec(options.specs, name), TYPES['.yaml']!);
      if (method === 'PUT') {
        checkSameSite(req);
        const body = await readBody(req, MAX_SPEC_BYTES);
        // One save at a time, so two saves never interleave their files.
        const result = saving.then(() => saveSpec(options.specs, name, body));
        saving = result.catch(() => undefined);
        return sendJson(res, await result);
      }
    }
    if (route === 'api/run' && reading) {
      return sendJson(res, { run: options.run ? describeRun(options.run.dir, options.run.shown) : null });
    }
    if (route === 'api/run/test-sample' && reading) {
      if (!options.run) throw new HttpError(404, 'the server was started without a run folder');
      testSample ??= loadTestSample(options.run.dir);
      try {
        return sendJson(res, await testSample);
      } catch (error) {
        testSample = undefined;
        // The data moved or is damaged: the page says so, the rest of it still works.
        if (error instanceof DataError) return sendJson(res, { unavailable: error.message });
        throw error;
      }
    }
    if (parts[0] === 'run' && parts.length === 2 && reading) {
      if (!options.run) throw new HttpError(404, 'the server was started without a run folder');
      return sendFile(res, fileInFolder(options.run.dir, parts[1]!, 'run file', true));
    }
    const known = route === '' || ['assets', 'api', 'run'].includes(parts[0] ?? '');
    throw new HttpError(known && !reading ? 405 : 404, known && !reading ? `${method} is not allowed here` : 'not found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : error instanceof PathRefused ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (status === 500) options.log?.(`${req.method} ${req.url}: ${message}`);
      if (res.headersSent) return void res.destroy();
      if (status === 413) res.setHeader('Connection', 'close');
      sendJson(res, { error: message }, status);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
