// The public API of the failure lab. Everything a user or an analyzer needs is named here;
// files under src/internal are not part of it.

export {
  type CaptureOptions,
  type CaptureResult,
  type CaptureSummary,
  runCapture,
  summarize,
} from './capture/run-capture.ts';
export { defineConfig, type LabConfig, LabConfigSchema } from './config/lab-config.ts';
export {
  CONFIG_FILES,
  findConfigFile,
  loadProjectConfig,
  type ProjectConfig,
} from './config/project-config.ts';
export { ErrorInfo, IsoTime, OtelRef, Preview, PREVIEW_MAX_CHARS, Uuid } from './contracts/common.ts';
export {
  ExceptionFailure,
  FAILURE_EVENT_VERSION,
  FailureEvent,
  FailureLocation,
  GroundingFlag,
  HallucinationFailure,
  TaxonomyRefs,
  TimeoutFailure,
  ValidationFailure,
  ValidationIssue,
} from './contracts/failure-event.ts';
export { FAILURE_KINDS, FailureKind, KIND_PRECEDENCE, Outcome } from './contracts/failure-kind.ts';
export { CascadeEntry, FailureTrace, FailureType } from './contracts/failure-trace.ts';
export { FallbackRecord } from './contracts/fallback-record.ts';
export {
  FaultSite,
  FaultSource,
  McpFault,
  McpServerSite,
  McpSite,
  McpStartFault,
  McpStartVariantFault,
  McpVariantFault,
  replacesCall,
  FUZZ_FAULT_KINDS,
  FuzzSpace,
  InjectedFault,
  ModelFault,
  ModelSite,
  ToolFault,
  ToolSite,
  Variant,
  VariantFault,
} from './contracts/fault.ts';
export { type FuzzOptions, type FuzzResult, runFuzz } from './chaos/run-fuzz.ts';
export { RecoveryAction, RecoveryTrace } from './contracts/recovery-trace.ts';
export { JSON_SCHEMAS } from './contracts/json-schemas.ts';
export {
  ConversationTurn,
  GroundingCheck,
  ReplyFault,
  SCENARIO_BOUNDS,
  Scenario,
  type ScenarioInput,
  ScriptedReply,
  ToolFixture,
  isLiveScript,
} from './contracts/scenario.ts';
export {
  type LabRecord,
  RECORD_CONTRACTS,
  RECORD_TYPES,
  type RecordType,
  recordTypeOf,
  storeKey,
} from './contracts/lab-record.ts';
export { upgradeTraceRecordV1 } from './contracts/migrate-v1.ts';
export { upgradeTraceRecordV2 } from './contracts/migrate-v2.ts';
export { upgradeTraceRecordV3 } from './contracts/migrate-v3.ts';
export { Replay, ReplayExchange, ReplayToolResult } from './contracts/replay.ts';
export { recordKey, TRACE_RECORD_VERSION, TraceRecord } from './contracts/trace-record.ts';
export {
  CheckStep,
  isFailedStep,
  ModelCallStep,
  RecoveryStep,
  ToolCallStep,
  TraceStep,
  TurnStep,
} from './contracts/trace-step.ts';
export { FailureEventV1 } from './contracts/v1/failure-event.ts';
export { TraceRecordV1 } from './contracts/v1/trace-record.ts';
export { TraceRecordV2 } from './contracts/v2/trace-record.ts';
export { FailureEventV2, TraceRecordV3, TraceStepV3 } from './contracts/v3/trace-record.ts';
export { classifyRun, HELD_CPU_MS } from './classify/classify-run.ts';
export { classifyThrown, type ThrownVerdict } from './classify/classify-thrown.ts';
export type { Detection, TimeoutSource, ValidationSource } from './classify/detection.ts';
export { errorFailureType, failureTypeOf, stepFailureType } from './classify/failure-type.ts';
export type { CheckVerdicts, DegradedVerdict, RunEnd } from './classify/run-end.ts';
export { TAXONOMY_VERSION, taxonomyOf } from './classify/taxonomy.ts';
export { isTimeoutError } from './classify/timeouts.ts';
export { cascadeDepth, deriveRunRecords, recoveryOutcome, type RunRecords } from './derive/derive-run-records.ts';
export { type Episode, episodesOf } from './derive/episodes.ts';
export {
  type DetectionOptions,
  type DetectionResult,
  type Isolation,
  runWithFailureDetection,
} from './detect/run-with-failure-detection.ts';
export { RunDeadlineError } from './execute/run-inline.ts';
export type { StepObserver } from './execute/step-observer.ts';
export { runGroundingCheck } from './grounding/grounding-check.ts';
export { computeAnalytics, type FailureAnalytics } from './analytics/compute-analytics.ts';
export { ledgerRecords } from './analytics/ledger-records.ts';
export { monthlyReport } from './analytics/monthly-report.ts';
export { weeklyReport } from './analytics/weekly-report.ts';
export { ANALYTICS_FILES, analyticsDir, writeAnalytics } from './analytics/write-analytics.ts';
export { FailureByCategory, FailureTrends, MttrMetrics, RepeatFailures } from './contracts/failure-analytics.ts';
export { FAILURE_CATEGORIES, FailureRecord, SEVERITIES, STATUSES, SUBCATEGORIES } from './contracts/failure-record.ts';
export { CATEGORY_RULES, categorize, PRIORITY_OF, SLA_HOURS } from './ledger/categorize.ts';
export { fingerprint, normalizeMessage } from './ledger/fingerprint.ts';
export { type FailureSignals, runSignals } from './ledger/failure-signals.ts';
export { TRANSITIONS, transition } from './ledger/lifecycle.ts';
export { PREVENTION_RULES, suggestedPrevention } from './ledger/prevention-rules.ts';
export { BuildRecorder, type LedgerSettings, type LedgerSummary } from './ledger/record-build.ts';
export { reproduceScenario } from './ledger/reproduce.ts';
export type { FailureLedger, FailurePage, FailureQuery } from './ledger-store/failure-ledger.ts';
export { LEDGER_NAMES, LedgersMap, openLedger } from './ledger-store/ledgers.ts';
export { MemoryLedger } from './ledger-store/memory-ledger.ts';
export { updateFailure } from './ledger-store/update-failure.ts';
export { ConflictError } from './errors/conflict-error.ts';
export { ConfigError } from './errors/config-error.ts';
export { ContractViolationError } from './errors/contract-violation-error.ts';
export { GroundingConfigError } from './errors/grounding-config-error.ts';
export { LabError } from './errors/lab-error.ts';
export { ModelScriptError } from './errors/model-script-error.ts';
export { type ScenarioProblem, ScenarioSetError } from './errors/scenario-set-error.ts';
export { StoreError } from './errors/store-error.ts';
export { ToolScriptError } from './errors/tool-script-error.ts';
export { UsageError } from './errors/usage-error.ts';
export { LIVE_PROXY_API_KEY, LiveEndpoint } from './model/live-endpoint.ts';
export type { ModelEndpoint, ModelSession } from './model/model-endpoint.ts';
export { type RequestLogEntry, SCRIPTED_API_KEY, ScriptedModelServer } from './model/scripted-server.ts';
export { type LoadedScenario, type LoadScenariosOptions, loadScenarios } from './scenario/load-scenarios.ts';
export { loadSubjects, SubjectCatalog, subjectFile } from './scenario/load-subjects.ts';
export { waitsOnPurpose } from './scenario/waits-on-purpose.ts';
export { MemoryStore } from './store/memory-store.ts';
export { FilesStore, DEFAULT_FILES_DIR } from './store/files-store.ts';
export { CosmosStore, toDocument, type TraceDocument } from './store/cosmos-store.ts';
export { type CosmosConfig, cosmosConfigFromEnv } from './store/cosmos-config.ts';
export { recordsOfFailure } from './store/related-records.ts';
export { type BuiltinStore, openStore, STORE_NAMES, type StoreOptions, StoresMap } from './store/stores.ts';
export {
  DEFAULT_PAGE_SIZE,
  type PutOutcome,
  type TracePage,
  type TraceQuery,
  type TraceStore,
} from './store/trace-store.ts';
export {
  type ConversationEntry,
  defineSubject,
  type Subject,
  type SubjectContext,
  type ToolBox,
} from './subject/subject.ts';
export {
  type ActionMetadata,
  type CircuitBreaker,
  CircuitOpenError,
  type FallbackOptions,
  type Recovery,
  type RetryPolicy,
} from './subject/recovery.ts';
export { CommandExitError, commandSubject, loadCommandSubject } from './subject/command-subject.ts';
export { CommandSubjectFile, readCommandSubjectFile } from './subject/command-subject-file.ts';
export { defineTool, type ToolSpec, UnknownToolError } from './subject/tool.ts';
export { IdTracer, localTracer } from './telemetry/id-tracer.ts';
export { startTelemetry, type Telemetry, TRACER_NAME } from './telemetry/telemetry.ts';
export { startTelemetryFromEnv } from './telemetry/telemetry-from-env.ts';
