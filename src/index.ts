// The library API: every pipeline stage, for programs that want more than the CLI.
//
//   const result = compileSpecFile('specs/mnist-cnn.yaml');
//   if (!result.ok) console.error(result.diagnostics.map(formatDiagnostic).join('\n'));
//   else {
//     console.log(renderSummary(result.model));
//     const model = buildModel(result.model, { seed: 42 });   // a live tf.Sequential
//     const source = emitTypeScript(result.model, 'specs/mnist-cnn.yaml');
//   }
export type * from './types.js';
export { loadSpecText, type LoadResult, type PositionIndex } from './compile/load.js';
export { loadSpecFile } from './compile/load-file.js';
export { validateSpec } from './compile/validate.js';
export { lowerSpec, lowerTraining, trainingSettings } from './compile/lower.js';
export { inferModel, DEFAULT_LIMITS, type Limits } from './compile/infer.js';
export { compileSpecFile, compileSpecText, type CompileResult, type CompileOptions } from './compile/index.js';
export { formatDiagnostic, didYouMean } from './compile/diagnostics.js';
export { buildModel, crossCheck, liveFacts, type BuildOptions, type Disagreement } from './emit/live.js';
export { renderSummary, summaryFooter } from './emit/summary.js';
export { diffModels, renderDiff, type ModelDiff, type LayerDiff } from './emit/diff.js';
export { modelCosts, optimizerSlots, BYTES_PER_VALUE } from './compile/costs.js';
export { BUDGETS, checkBudgets, type Budget, type BudgetLimits } from './compile/budgets.js';
export { emitTypeScript, builderName } from './emit/typescript.js';
export { layerKind, layerKinds, allLayerKinds } from './layers/registry.js';
export type { LayerKind, AnyLayerKind, LayerCost } from './layers/types.js';
export { buildSpecSchema } from './compile/spec-schema.js';
export { selectBackend, type BackendPreference } from './backend/select.js';
export { loadDataset, loadTestSplit, predictorFor, checkInputFits, checkDataFitsModel, DataError, type Dataset, type DatasetRef } from './data/datasets.js';
export { datasetKinds, lowerDataset } from './data/registry.js';
export { predictRun, type PredictResult } from './predict/run.js';
export { trainAndRecord, evaluateRun, trainModel, evaluateModel } from './train/index.js';
export { prepareRun, compileRun, trainPrepared, prepareResume, resumeAndRecord, type PreparedRun, type RunRequest, type PrepareEvents } from './train/index.js';
