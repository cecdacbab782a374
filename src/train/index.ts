export { checkLabels, LOSS_KINDS, taskLosses, type ClassWeights, type LabelError, type LossKind } from './losses.js';
export { balancedClassWeights, countLabels, type LabelCounts } from './classWeights.js';
export {
  ADAM_DEFAULTS,
  createOptimizer,
  OPTIMIZER_NAMES,
  parseOptimizerConfig,
  SGD_DEFAULTS,
  type AdamConfig,
  type OptimizerConfig,
  type OptimizerConfigError,
  type SgdConfig,
} from './optimizers.js';
export { decodeTrainerState, TRAINER_STATE_FORMAT, type TrainerState } from './state.js';
export {
  createTrainer,
  describeTrainerError,
  TrainerInputError,
  type BatchNormMode,
  type EvaluateResult,
  type ImageInput,
  type Trainer,
  type TrainerError,
  type TrainerOptions,
} from './trainer.js';
export type { StepRecord, StepRequest, StepResult } from './step.js';
export type { AfterStepContext, CombineContext, InGraphWeighting, SavedVariable } from './inGraphWeighting.js';
export { checkSchedule, COSINE_DEFAULTS, CONSTANT_SCHEDULE, learningRateAt, SCHEDULE_NAMES, STEP_DEFAULTS, type LearningRateSchedule, type ScheduleError } from './schedule.js';
