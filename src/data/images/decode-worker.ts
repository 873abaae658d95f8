// A decoding worker thread: decodes the files of each request it receives and replies with
// their pixels in one transferred buffer. Errors are returned per file, in plain words.
import { parentPort } from 'node:worker_threads';
import { decodeMany, type DecodeRequest } from './decode-many.js';

parentPort!.on('message', (request: DecodeRequest) => {
  void decodeMany(request).then((reply) => parentPort!.postMessage(reply, [reply.pixels.buffer as ArrayBuffer]));
});
parentPort!.postMessage({ ready: true });
