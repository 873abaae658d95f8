// The pthread worker of tfjs-backend-wasm's threaded build, as a file that ships with netspec.
// tfjs builds this worker from a source string and hands Emscripten a blob: URL, which Node's
// worker_threads cannot start (see wasm-threads.ts). Shipping the file means nothing is ever
// written to a shared temp folder and then executed. It runs the package's own worker source,
// with one change: the worker's request for the main script's URL gets the path of the
// package's threaded glue in node_modules instead of a blob: URL.
'use strict';
const pkg = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';
const { wasmWorkerContents } = require(`${pkg}.worker.js`);
const glue = require.resolve(`${pkg}.js`);
URL.createObjectURL = () => glue;
URL.revokeObjectURL = () => {};
// tfjs escapes newlines the same way before making its blob (a literal newline inside one of the
// source's strings would end that string). A direct eval runs the source as this module's own
// code, with this module's require, just as the file tfjs has in mind would.
// eslint-disable-next-line no-eval
eval(wasmWorkerContents.replace(/\n/g, '\\n'));
