// Errors a run reports to its user as they are: each message names the file or setting and
// says what to do. The CLI prints them in one line, with exit 1 for RunError and 2 for
// RunRequestError.

/** A run that cannot start or go on: unusable settings, a run folder without a checkpoint, a checkpoint that is not the recorded model. */
export class RunError extends Error {
  override name = 'RunError';
}

/** A request the run cannot honour as asked: a backend that does not load, more replicas than the model allows. */
export class RunRequestError extends Error {
  override name = 'RunRequestError';
}
