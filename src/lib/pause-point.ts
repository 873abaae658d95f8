// Pause points, for fault tests. With NETSPEC_PAUSE_AT=<point>@<n> in the environment, the n-th
// time this process reaches <point> it writes `netspec: paused at <point>@<n>` to stderr and
// waits until SIGINT arrives (a kill -9 ends it there too). A test can then land a Ctrl-C
// between two exact batches, or a kill inside a checkpoint write, on the event instead of at a
// moment a timer guessed. Without the variable a pause point returns at once.

/**
 * - batch: a training batch has finished (counted over the whole process, all epochs);
 * - save:written: a save has written its new weights and optimizer files, and model.json still
 *   names the previous ones;
 * - save:committed: model.json names the new files, and the previous ones are not yet removed.
 */
export const PAUSE_POINTS = ['batch', 'save:written', 'save:committed'] as const;
export type PausePoint = (typeof PAUSE_POINTS)[number];

export const PAUSE_ENV = 'NETSPEC_PAUSE_AT';

function requested(): { point: PausePoint; count: number } | undefined {
  const value = process.env[PAUSE_ENV];
  if (!value) return undefined;
  const match = /^([a-z:]+)@([1-9]\d*)$/.exec(value);
  const point = PAUSE_POINTS.find((p) => p === match?.[1]);
  if (!match || !point) {
    // A test that asked for a pause it will never get must not wait for it: say so loudly.
    process.stderr.write(`netspec: ignoring ${PAUSE_ENV}=${value}: expected <point>@<n>, point one of ${PAUSE_POINTS.join(', ')}\n`);
    return undefined;
  }
  return { point, count: Number(match[2]) };
}

const wanted = requested();
let reached = 0;

export async function pausePoint(point: PausePoint): Promise<void> {
  if (wanted?.point !== point || ++reached !== wanted.count) return;
  process.stderr.write(`netspec: paused at ${point}@${reached}\n`);
  await new Promise<void>((resolve) => {
    // A signal listener alone does not keep the process alive.
    const alive = setInterval(() => undefined, 60_000);
    process.once('SIGINT', () => {
      clearInterval(alive);
      resolve();
    });
  });
}
