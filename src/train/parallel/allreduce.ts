// The replicas' gradient exchange, in shared memory: each replica writes its shard's
// gradient (already scaled by shard / batch) into its own slot, waits at a barrier until every
// replica has written, then sums ALL slots in slot order. Every replica therefore computes the
// same float32 sum, bit for bit, applies the same optimizer update to the same weights, and
// the replicas never drift apart without any weights being sent.
//
// No slot is written again before every replica has read it: a replica only starts its next
// step when the pool sends it, and the pool sends the next step only after every replica has
// answered this one (answering comes after reading).

/** A reusable barrier over two int32 words: [arrived, generation]. */
export class Barrier {
  private readonly words: Int32Array;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly parties: number,
  ) {
    this.words = new Int32Array(buffer, 0, 2);
  }

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  }

  /** Blocks until all parties have called wait() for this generation. */
  wait(): void {
    const generation = Atomics.load(this.words, 1);
    if (Atomics.add(this.words, 0, 1) === this.parties - 1) {
      // Last to arrive: reset the count for the next use, then release everyone.
      Atomics.store(this.words, 0, 0);
      Atomics.add(this.words, 1, 1);
      Atomics.notify(this.words, 1);
      return;
    }
    // A replica whose peer failed stays here until the pool terminates it; waking every second
    // costs nothing, and the loop also absorbs spurious wake-ups.
    while (Atomics.load(this.words, 1) === generation) Atomics.wait(this.words, 1, generation, 1000);
  }
}

/** One replica's view of the shared gradient slots: `parties` slots of equal size. */
export class GradientExchange {
  private readonly slots: Float32Array<SharedArrayBuffer>[];
  private readonly barrier: Barrier;
  readonly sum: Float32Array;

  constructor(
    gradients: SharedArrayBuffer,
    barrier: SharedArrayBuffer,
    parties: number,
    private readonly index: number,
  ) {
    const size = gradients.byteLength / Float32Array.BYTES_PER_ELEMENT / parties;
    this.slots = Array.from({ length: parties }, (_, i) => new Float32Array(gradients, i * size * Float32Array.BYTES_PER_ELEMENT, size));
    this.barrier = new Barrier(barrier, parties);
    this.sum = new Float32Array(size);
  }

  /** This replica's slot: write its scaled gradient here, then call reduce(). */
  get own(): Float32Array<SharedArrayBuffer> {
    return this.slots[this.index]!;
  }

  /** Waits for every replica's slot, then returns their sum (the same bits on every replica). */
  reduce(): Float32Array {
    this.reduceInto([this.sum]);
    return this.sum;
  }

  /**
   * Waits for every replica's slot, then writes their sum, slot by slot in slot order (the
   * same bits on every replica), into `parts`: consecutive pieces of the flat gradient
   * (a replica's gradient tensors on the wasm heap, written in place).
   */
  reduceInto(parts: readonly Float32Array[]): void {
    this.barrier.wait();
    const [first, ...rest] = this.slots;
    let offset = 0;
    for (const part of parts) {
      const n = part.length;
      part.set(first!.subarray(offset, offset + n));
      for (const slot of rest) {
        for (let k = 0; k < n; k++) part[k]! += slot[offset + k]!;
      }
      offset += n;
    }
  }
}
