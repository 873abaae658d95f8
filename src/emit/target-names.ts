// The source-code targets by name, with the file each writes, apart from their emitters
// (targets.ts): --help lists them without loading any emitter.
export const TARGET_FILES = {
  ts: 'generated/<name>.ts (TensorFlow.js)',
  keras: 'generated/keras/<name>.py (TensorFlow Keras)',
  pytorch: 'generated/pytorch/<name>.py (PyTorch, trains under torchrun)',
} as const;

export type TargetName = keyof typeof TARGET_FILES;
export const TARGET_NAMES = Object.keys(TARGET_FILES) as TargetName[];
