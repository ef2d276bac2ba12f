// @boocontrol/sim public API. Names exported here are stable.
export { startSimHost } from './host';
export { setWriteOffload } from './http/offload';
export { DEMO_VARIANCE, startSimFleet, demoFleetConfigs } from './fleet';
export type { SimFleet, SimFleetOptions } from './fleet';
export { createLoadGenerator } from './load';
export { SimConfigError } from './config';
export type { SyntheticRequest } from './synthetic';
export type { ConversationOptions, LoadGenerator, LoadGeneratorOptions, LoadStats, LoadTarget, LoadTargetModel } from './load';
export type {
  FaultKind,
  LlamaServerProfile,
  ScheduledRequest,
  SimSchedule,
  SimScheduleStep,
  SimScript,
  SimScriptRequest,
  SimScriptRule,
  SimVariance,
  MalformedKind,
  NormalizedConfigView,
  NormalizedModel,
  ProcessState,
  SimCapabilities,
  SimConfig,
  SimFaults,
  SimGpuSpec,
  SimGroupConfig,
  SimHost,
  SimHostOptions,
  SimModelConfig,
  SimModelState,
  SimProfileConfig,
  Wire,
} from './types';
