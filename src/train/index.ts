// Public surface of the training engine, so callers import from one place.
export { mulberry32, shuffledIndices, shuffleInPlace, type Rng } from './rng.js';
export { sparseCategoricalCrossentropy, categoricalCrossentropy, lossFunction, accuracy, type LossName } from './losses.js';
export { createOptimizer } from './optimizers.js';
export { trainModel, checkTrainingFits, TrainingDivergedError, type TrainOptions, type TrainResult, type BatchProgress, type PartialEpoch } from './trainer.js';
export { createStepRunner, localStepRunner, replicaStepRunner, type StepRunner, type StepTarget, type Batch, type StepOutcome } from './step-runner.js';
export { evaluateModel, renderConfusion, type Evaluation, type EvaluateOptions } from './evaluate.js';
export { createProgressDisplay, formatEpochLine, formatBarLine, formatDuration, type ProgressDisplay, type ProgressDisplayOptions } from './progress.js';
export { writeFileAtomic, writeJsonAtomic } from '../lib/atomic-write.js';
export { saveModelToDir, loadModelFromDir, dirSaveHandler, dirLoadHandler, ModelFileError, MODEL_JSON, WEIGHTS_BIN, topologySha256 } from './model-io.js';
export { writeMetrics, metricsToCsv, type EpochMetrics, type MetricsFile, METRICS_JSON, METRICS_CSV } from './metrics.js';
export {
  createRunDir,
  runTimestamp,
  writeResolvedSpec,
  writeDatasetRecord,
  writeResults,
  readRunJson,
  readRunResults,
  readDatasetRecord,
  type DatasetRecord,
  type ModelIdentity,
  type RunResults,
  type TestResults,
  type TrainingSummary,
  RESOLVED_SPEC_JSON,
  DATASET_JSON,
  RESULTS_JSON,
} from './run-dir.js';
export { trainAndRecord, trainPrepared, formatTestSummary, type TrainAndRecordOptions, type TrainPreparedOptions, type RecordedRun } from './run.js';
export { evaluateRun, type RunEvaluation } from './evaluate-run.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointInfo,
  type TrainingState,
  type TrainingPosition,
  type LoadedCheckpoint,
  type CheckpointInfo,
} from './checkpoint.js';
export { prepareResume, resumeAndRecord, type PreparedResume, type FinishedRun, type ResumeOptions } from './resume.js';
export {
  prepareRun,
  compileRun,
  compileChecked,
  chooseRunMode,
  type PreparedRun,
  type Prepared,
  type RunRequest,
  type PrepareEvents,
  type RunMode,
} from './prepare.js';
export { buildCheckedModel, type LiveResult } from './live-model.js';
export { applyOverrides, checkTrainingConfig, type TrainingOverrides } from './settings.js';
export { RunError, RunRequestError } from './run-error.js';
