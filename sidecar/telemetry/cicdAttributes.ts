// Attribute names from OpenTelemetry's CI/CD semantic conventions (semantic-conventions
// 1.45, `cicd.*`, still "development" status) and the deprecated code location names.
// Copied rather than imported from `@opentelemetry/semantic-conventions/incubating`, as that
// package advises for unstable names: the incubating entry point is one large module that
// would be bundled whole, and a rename there must be a deliberate change here.

export const CICD_PIPELINE_NAME = 'cicd.pipeline.name';
export const CICD_PIPELINE_RUN_ID = 'cicd.pipeline.run.id';
export const CICD_PIPELINE_ACTION_NAME = 'cicd.pipeline.action.name';
export const CICD_PIPELINE_RESULT = 'cicd.pipeline.result';
export const CICD_PIPELINE_TASK_NAME = 'cicd.pipeline.task.name';
export const CICD_PIPELINE_TASK_RUN_ID = 'cicd.pipeline.task.run.id';
export const CICD_PIPELINE_TASK_RUN_RESULT = 'cicd.pipeline.task.run.result';
export const CICD_WORKER_NAME = 'cicd.worker.name';

/** Values of `cicd.pipeline.result` and `cicd.pipeline.task.run.result`. */
export type CicdResult = 'success' | 'failure' | 'error' | 'timeout' | 'cancellation' | 'skip';

export const PROCESS_EXIT_CODE = 'process.exit.code';

// The deprecated code location names many backends still link to source with; they are
// sent beside the stable code.file.path / code.line.number (imported from the package).
export const CODE_FILEPATH_DEPRECATED = 'code.filepath';
export const CODE_LINENO_DEPRECATED = 'code.lineno';
