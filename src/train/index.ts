// Public surface of the training engine, so callers import from one place.
export { mulberry32, shuffledIndices, shuffleInPlace, type Rng } from './rng.js';
export { sparseCategoricalCrossentropy, categoricalCrossentropy, lossFunction, accuracy, type LossName } from './losses.js';
export { createOptimizer } from './optimizers.js';
export { trainModel, TrainingDivergedError, type TrainOptions, type TrainResult, type BatchProgress, type PartialEpoch } from './trainer.js';
export { evaluateModel, renderConfusion, type Evaluation, type EvaluateOptions } from './evaluate.js';
export { createProgressDisplay, formatEpochLine, formatBarLine, formatDuration, type ProgressDisplay, type ProgressDisplayOptions } from './progress.js';
export { writeFileAtomic, writeJsonAtomic } from '../lib/atomic-write.js';
export { saveModelToDir, loadModelFromDir, dirSaveHandler, dirLoadHandler, ModelFileError, MODEL_JSON, WEIGHTS_BIN } from './model-io.js';
export { writeMetrics, metricsToCsv, type EpochMetrics, type MetricsFile, METRICS_JSON, METRICS_CSV } from './metrics.js';
export {
  createRunDir,
  runTimestamp,
  writeResolvedSpec,
  writeDatasetRecord,
  writeResults,
  readRunJson,
  type DatasetRecord,
  type RunResults,
  type TestResults,
  type TrainingSummary,
  RESOLVED_SPEC_JSON,
  DATASET_JSON,
  RESULTS_JSON,
} from './run-dir.js';
export { trainAndRecord, evaluateRun, formatTestSummary, type TrainAndRecordOptions, type RecordedRun, type RunEvaluation } from './run.js';
export { saveCheckpoint, loadCheckpoint, type TrainingState, type TrainingPosition, type LoadedCheckpoint } from './checkpoint.js';
export { resumeAndRecord, resumeFacts, type ResumeOptions } from './resume.js';
