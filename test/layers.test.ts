// Shape rules and parameter counts of every layer kind, against formulas written out here
// (independently of the layer modules) and numbers Keras prints for the same layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerKind, layerKinds } from '../src/layers/registry.js';
import type { Shape } from '../src/types.js';
import { withDefaults } from '../src/compile/defaults.js';

function runMany(kind: string, raw: Record<string, unknown>, inputs: Shape[]) {
  const def = layerKind(kind);
  const params = def.normalize(withDefaults(def.params, raw));
  const out = def.outputShape(
    inputs,
    params,
    inputs.map((_, i) => String.fromCharCode(97 + i)),
  );
  if ('error' in out) return { error: out.error };
  const count = def.countParams(inputs, params);
  return { shape: [...out.shape], trainable: count.trainable, nonTrainable: count.nonTrainable };
}

const run = (kind: string, raw: Record<string, unknown>, input: Shape) => runMany(kind, raw, [input]);

/** The rules checks a kind states beyond the schema, for the given values. */
function problems(kind: string, raw: Record<string, unknown>): string[] {
  const def = layerKind(kind);
  return (def.check?.(def.normalize(withDefaults(def.params, raw))) ?? []).map((p) => `${p.key}: ${p.message}`);
}

test('every kind the spec language names is registered', () => {
  assert.deepEqual(layerKinds().sort(), [
    'activation',
    'add',
    'average',
    'avg_pool2d',
    'batch_norm',
    'concatenate',
    'conv2d',
    'conv2d_transpose',
    'cropping2d',
    'dense',
    'depthwise_conv2d',
    'dropout',
    'flatten',
    'global_avg_pool2d',
    'global_max_pool2d',
    'max_pool2d',
    'maximum',
    'minimum',
    'multiply',
    'reshape',
    'separable_conv2d',
    'subtract',
    'upsampling2d',
    'zero_padding2d',
  ]);
});

test('conv2d: valid padding shrinks by kernel-1; params = kh*kw*cin*f + f', () => {
  // Keras: Conv2D(32, (3,3)) on (28,28,1) -> (None, 26, 26, 32), 320 params.
  assert.deepEqual(run('conv2d', { filters: 32, kernel: 3 }, [28, 28, 1]), { shape: [26, 26, 32], trainable: 320, nonTrainable: 0 });
  // Keras: Conv2D(64, (3,3)) on (13,13,32) -> (None, 11, 11, 64), 18,496 params.
  assert.deepEqual(run('conv2d', { filters: 64, kernel: [3, 3] }, [13, 13, 32]), { shape: [11, 11, 64], trainable: 18496, nonTrainable: 0 });
  const [h, w, c, f, kh, kw, s] = [31, 20, 3, 8, 5, 3, 2];
  assert.deepEqual(run('conv2d', { filters: f, kernel: [kh, kw], strides: s, use_bias: false }, [h, w, c]), {
    shape: [Math.floor((h - kh) / s) + 1, Math.floor((w - kw) / s) + 1, f],
    trainable: kh * kw * c * f,
    nonTrainable: 0,
  });
  assert.deepEqual(run('conv2d', { filters: f, kernel: 5, strides: s, padding: 'same' }, [h, w, c]).shape, [Math.ceil(h / s), Math.ceil(w / s), f]);
});

test('conv2d: a kernel larger than its input, or a rank-2 input, is an error that says what to do', () => {
  const big = run('conv2d', { filters: 4, kernel: 5 }, [3, 3, 1]);
  assert.match(big.error ?? '', /kernel 5x5 is larger than its 3x3 input, so the output would be \(-1, -1, 4\)/);
  assert.match(run('conv2d', { filters: 4, kernel: 3 }, [28, 28]).error ?? '', /rank 3.*target_shape: \[28, 28, 1\]/);
});

test('pools: strides default to the pool size; odd sizes round down like Keras', () => {
  assert.deepEqual(run('max_pool2d', {}, [26, 26, 32]), { shape: [13, 13, 32], trainable: 0, nonTrainable: 0 });
  assert.deepEqual(run('max_pool2d', { pool: 2 }, [11, 11, 64]).shape, [5, 5, 64]);
  assert.deepEqual(run('avg_pool2d', { pool: 3, strides: 1 }, [7, 7, 2]).shape, [5, 5, 2]);
  assert.deepEqual(run('avg_pool2d', { pool: 2, padding: 'same' }, [7, 7, 2]).shape, [4, 4, 2]);
  assert.match(run('max_pool2d', { pool: 4 }, [3, 3, 1]).error ?? '', /pool 4x4 is larger than its 3x3 input/);
});

test("windowed kinds over a grid of sizes, windows, strides and paddings give the sizes of Keras's rule", () => {
  // Keras (conv_utils.conv_output_length): same -> ceil(n / s); valid -> floor((n - k) / s) + 1,
  // an error when the window is larger than the input. Sizes where n / s has any fraction, so a
  // rounding rule other than ceil shows; the two axes differ, so a swap shows too.
  const keras = (n: number, k: number, s: number, padding: string): number | null =>
    padding === 'same' ? Math.ceil(n / s) : n < k ? null : Math.floor((n - k) / s) + 1;
  let checked = 0;
  for (const padding of ['valid', 'same']) {
    for (let h = 1; h <= 10; h++) {
      for (let k = 1; k <= 4; k++) {
        for (let s = 1; s <= 3; s++) {
          const [w, kw, sw] = [h + 3, (k % 3) + 1, 4 - s];
          const want = [keras(h, k, s, padding), keras(w, kw, sw, padding)];
          const cases: [string, Record<string, unknown>, number][] = [
            ['conv2d', { filters: 5, kernel: [k, kw], strides: [s, sw], padding }, 5],
            ['depthwise_conv2d', { kernel: [k, kw], strides: [s, sw], padding, depth_multiplier: 2 }, 4],
            ['separable_conv2d', { filters: 3, kernel: [k, kw], strides: [s, sw], padding }, 3],
            ['max_pool2d', { pool: [k, kw], strides: [s, sw], padding }, 2],
            ['avg_pool2d', { pool: [k, kw], strides: [s, sw], padding }, 2],
          ];
          for (const [kind, raw, channels] of cases) {
            const got = run(kind, raw, [h, w, 2]);
            const label = `${kind} ${JSON.stringify(raw)} on [${h}, ${w}, 2]`;
            if (want.includes(null)) assert.ok(got.error, `${label}: the window does not fit, so an error`);
            else assert.deepEqual(got.shape, [...want, channels], label);
            checked++;
          }
        }
      }
    }
  }
  assert.equal(checked, 2 * 10 * 4 * 3 * 5);
});

test('global pools keep one value per channel', () => {
  assert.deepEqual(run('global_avg_pool2d', {}, [5, 5, 64]).shape, [64]);
  assert.deepEqual(run('global_max_pool2d', {}, [3, 7, 10]).shape, [10]);
  assert.ok(run('global_max_pool2d', {}, [10]).error);
});

test('flatten multiplies out; dense acts on the last axis', () => {
  assert.deepEqual(run('flatten', {}, [3, 3, 64]).shape, [576]);
  // Keras: Dense(64) on 576 features -> 36,928 params; Dense(10) on 64 -> 650.
  assert.deepEqual(run('dense', { units: 64 }, [576]), { shape: [64], trainable: 576 * 64 + 64, nonTrainable: 0 });
  assert.equal(run('dense', { units: 10 }, [64]).trainable, 650);
  assert.deepEqual(run('dense', { units: 7, use_bias: false }, [5, 5, 3]), { shape: [5, 5, 7], trainable: 21, nonTrainable: 0 });
});

test('batch_norm: gamma and beta trainable, moving mean and variance not (Keras counts 4 per channel)', () => {
  assert.deepEqual(run('batch_norm', {}, [256]), { shape: [256], trainable: 512, nonTrainable: 512 });
  assert.deepEqual(run('batch_norm', { center: false }, [4, 4, 8]), { shape: [4, 4, 8], trainable: 8, nonTrainable: 16 });
});

test('dropout and activation change nothing', () => {
  assert.deepEqual(run('dropout', { rate: 0.5 }, [10]), { shape: [10], trainable: 0, nonTrainable: 0 });
  assert.deepEqual(run('activation', { activation: 'relu' }, [2, 3]), { shape: [2, 3], trainable: 0, nonTrainable: 0 });
});

test('reshape: sizes must multiply out; one -1 is worked out', () => {
  assert.deepEqual(run('reshape', { target_shape: [28, 28, 1] }, [784]).shape, [28, 28, 1]);
  assert.deepEqual(run('reshape', { target_shape: [-1, 4] }, [6, 2]).shape, [3, 4]);
  assert.match(run('reshape', { target_shape: [10, 10] }, [784]).error ?? '', /holds 100 values but the input \(784,\) holds 784/);
  assert.match(run('reshape', { target_shape: [-1, 5] }, [784]).error ?? '', /784 is not a multiple of 5/);
});

// The kinds below follow Keras's documented rules, written out here as formulas:
//   conv output (valid)    = floor((n - d(k - 1) - 1) / s) + 1;  (same) = ceil(n / s)
//   DepthwiseConv2D        : channels c·m, weights kh·kw·c·m + c·m (bias)
//   SeparableConv2D        : kh·kw·c·m (depthwise) + c·m·f (pointwise) + f (bias)
//   Conv2DTranspose        : n·s + max(k - s, 0) (valid), n·s (same); weights kh·kw·f·c + f
//   UpSampling2D           : n·size;  ZeroPadding2D: n + before + after;  Cropping2D: n - before - after
const convOut = (n: number, k: number, s: number, d = 1): number => Math.floor((n - d * (k - 1) - 1) / s) + 1;

test('conv2d with dilation spreads its kernel; strides must then be 1', () => {
  const [h, w, c, f, k, d] = [28, 23, 3, 8, 3, 2];
  assert.deepEqual(run('conv2d', { filters: f, kernel: k, dilation: d }, [h, w, c]), {
    shape: [convOut(h, k, 1, d), convOut(w, k, 1, d), f],
    trainable: k * k * c * f + f,
    nonTrainable: 0,
  });
  assert.deepEqual(run('conv2d', { filters: f, kernel: [3, 5], dilation: [2, 3], padding: 'same' }, [h, w, c]).shape, [h, w, f]);
  assert.match(
    run('conv2d', { filters: 1, kernel: 3, dilation: 5 }, [9, 9, 1]).error ?? '',
    /kernel 3x3 \(11x11 with its dilation\) is larger than its 9x9 input/,
  );
  assert.deepEqual(problems('conv2d', { filters: 1, kernel: 3, dilation: 2 }), []);
  assert.match(problems('conv2d', { filters: 1, kernel: 3, dilation: 2, strides: 2 })[0] ?? '', /^dilation: dilation 2×2 needs strides 1, but strides are 2×2/);
});

test('depthwise_conv2d: channels times the multiplier; one kernel set per input channel', () => {
  // Keras: DepthwiseConv2D((3,3)) on (28,28,32) -> (None, 26, 26, 32), 3*3*32 + 32 = 320 params.
  assert.deepEqual(run('depthwise_conv2d', { kernel: 3 }, [28, 28, 32]), { shape: [26, 26, 32], trainable: 320, nonTrainable: 0 });
  const [h, w, c, m, kh, kw, s] = [17, 12, 5, 3, 3, 2, 2];
  assert.deepEqual(run('depthwise_conv2d', { kernel: [kh, kw], strides: s, depth_multiplier: m, use_bias: false }, [h, w, c]), {
    shape: [convOut(h, kh, s), convOut(w, kw, s), c * m],
    trainable: kh * kw * c * m,
    nonTrainable: 0,
  });
  assert.deepEqual(run('depthwise_conv2d', { kernel: 5, strides: 2, padding: 'same', depth_multiplier: 2 }, [h, w, c]).shape, [9, 6, 10]);
});

test('separable_conv2d: depthwise then pointwise weights, with a bias per filter', () => {
  // Keras: SeparableConv2D(64, (3,3)) on (14,14,32): 3*3*32 + 32*64 + 64 = 2,400 params.
  assert.deepEqual(run('separable_conv2d', { filters: 64, kernel: 3, padding: 'same' }, [14, 14, 32]), {
    shape: [14, 14, 64],
    trainable: 2400,
    nonTrainable: 0,
  });
  const [h, w, c, m, f, k, d] = [20, 21, 3, 2, 7, 3, 2];
  assert.deepEqual(run('separable_conv2d', { filters: f, kernel: k, depth_multiplier: m, dilation: d }, [h, w, c]), {
    shape: [convOut(h, k, 1, d), convOut(w, k, 1, d), f],
    trainable: k * k * c * m + c * m * f + f,
    nonTrainable: 0,
  });
  assert.equal(problems('separable_conv2d', { filters: 1, kernel: 3, dilation: 2, strides: [1, 2] }).length, 1);
});

test('conv2d_transpose: grows by the strides; valid adds max(k - s, 0)', () => {
  // Keras: Conv2DTranspose(16, (3,3), strides=2) on (7,7,32) -> (None, 15, 15, 16), 3*3*16*32 + 16 = 4,624 params.
  assert.deepEqual(run('conv2d_transpose', { filters: 16, kernel: 3, strides: 2 }, [7, 7, 32]), { shape: [15, 15, 16], trainable: 4624, nonTrainable: 0 });
  assert.deepEqual(run('conv2d_transpose', { filters: 16, kernel: 3, strides: 2, padding: 'same' }, [7, 7, 32]).shape, [14, 14, 16]);
  const [h, w, c, f, kh, kw, sh, sw] = [5, 6, 3, 4, 2, 5, 3, 1];
  assert.deepEqual(run('conv2d_transpose', { filters: f, kernel: [kh, kw], strides: [sh, sw], use_bias: false }, [h, w, c]), {
    shape: [h * sh + Math.max(kh - sh, 0), w * sw + Math.max(kw - sw, 0), f],
    trainable: kh * kw * f * c,
    nonTrainable: 0,
  });
});

test('upsampling2d, zero_padding2d and cropping2d move sizes and keep channels; no weights', () => {
  assert.deepEqual(run('upsampling2d', {}, [7, 7, 64]), { shape: [14, 14, 64], trainable: 0, nonTrainable: 0 });
  assert.deepEqual(run('upsampling2d', { size: [3, 2], interpolation: 'bilinear' }, [5, 4, 2]).shape, [15, 8, 2]);
  assert.deepEqual(run('zero_padding2d', {}, [28, 28, 1]).shape, [30, 30, 1]);
  assert.deepEqual(run('zero_padding2d', { padding: [2, 1] }, [5, 5, 3]).shape, [9, 7, 3]);
  assert.deepEqual(
    run(
      'zero_padding2d',
      {
        padding: [
          [1, 0],
          [0, 3],
        ],
      },
      [5, 5, 3],
    ).shape,
    [6, 8, 3],
  );
  assert.deepEqual(
    run(
      'cropping2d',
      {
        cropping: [
          [1, 0],
          [0, 3],
        ],
      },
      [5, 5, 3],
    ).shape,
    [4, 2, 3],
  );
  assert.deepEqual(run('cropping2d', { cropping: 2 }, [28, 28, 1]), { shape: [24, 24, 1], trainable: 0, nonTrainable: 0 });
  assert.match(run('cropping2d', { cropping: [3, 0] }, [6, 6, 1]).error ?? '', /cropping 6 rows and 0 columns from a 6x6 image leaves \(0, 6, 1\)/);
  assert.match(run('upsampling2d', {}, [10]).error ?? '', /rank 3/);
});

test('element-wise merges need one shape, a size of 1 broadcasting; subtract takes exactly two', () => {
  for (const kind of ['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum']) {
    assert.deepEqual(
      runMany(kind, {}, [
        [13, 13, 32],
        [13, 13, 32],
      ]),
      { shape: [13, 13, 32], trainable: 0, nonTrainable: 0 },
      kind,
    );
    assert.deepEqual(
      runMany(kind, {}, [
        [13, 13, 32],
        [1, 1, 32],
      ]).shape,
      [13, 13, 32],
      kind,
    );
    assert.deepEqual(
      runMany(kind, {}, [
        [4, 1, 8],
        [4, 6, 1],
      ]).shape,
      [4, 6, 8],
      kind,
    );
    assert.deepEqual(runMany(kind, {}, [[13, 13, 32], [32]]).shape, [13, 13, 32], `${kind}: lower rank lines up with the trailing dimensions`);
  }
  assert.deepEqual(runMany('add', {}, [[10], [10], [10]]).shape, [10]);
  assert.equal(layerKind('subtract').arity?.max, 2);
  assert.equal(layerKind('add').arity?.max, undefined);
  const clash =
    runMany('add', {}, [
      [13, 13, 32],
      [11, 11, 64],
    ]).error ?? '';
  assert.match(clash, /^add needs inputs of one shape .*the heights differ: 13 in 'a' and 11 in 'b'/);
  const channels =
    runMany('add', {}, [
      [7, 7, 32],
      [7, 7, 64],
    ]).error ?? '';
  assert.match(channels, /the channels differ: 32 in 'a' and 64 in 'b'; .*1x1 conv2d of 64 filters/);
  assert.match(runMany('maximum', {}, [[5], [5], [6]]).error ?? '', /feature counts differ: 5 in 'a' and 6 in 'c'/);
});

test('concatenate adds up its axis; every other dimension must agree', () => {
  assert.deepEqual(
    runMany('concatenate', {}, [
      [7, 7, 16],
      [7, 7, 32],
      [7, 7, 8],
    ]),
    { shape: [7, 7, 56], trainable: 0, nonTrainable: 0 },
  );
  assert.deepEqual(
    runMany('concatenate', { axis: 1 }, [
      [3, 5, 2],
      [4, 5, 2],
    ]).shape,
    [7, 5, 2],
  );
  assert.deepEqual(
    runMany('concatenate', { axis: -2 }, [
      [3, 5, 2],
      [3, 1, 2],
    ]).shape,
    [3, 6, 2],
  );
  assert.deepEqual(runMany('concatenate', {}, [[10], [6]]).shape, [16]);
  assert.match(
    runMany('concatenate', {}, [
      [13, 13, 8],
      [11, 11, 8],
    ]).error ?? '',
    /other dimensions must agree, but the heights differ: 13 in 'a' and 11 in 'b'/,
  );
  assert.match(runMany('concatenate', {}, [[13, 13, 8], [8]]).error ?? '', /one rank, but 'a' has 3 dimensions and 'b' has 1/);
  assert.match(
    runMany('concatenate', { axis: 4 }, [
      [3, 3, 1],
      [3, 3, 1],
    ]).error ?? '',
    /axis 4 does not exist/,
  );
  assert.match(problems('concatenate', { axis: 0 })[0] ?? '', /axis 0 is the batch/);
});
