// A finished run as spans (docs/architecture.md, "Trace export"): the run is the root span,
// each step a child of the step it was opened in, with the times the markers arrived.
// Errors are span status ERROR plus an `exception` event with the code location; warnings
// are events; META and artifacts are attributes. Only the record is read, never the log.
import { SpanKind, SpanStatusCode, trace, ROOT_CONTEXT, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_CODE_COLUMN_NUMBER,
  ATTR_CODE_FILE_PATH,
  ATTR_CODE_LINE_NUMBER,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import type { ArtifactRecord, RunRecord, RunStatus, StepError, StepRecord, StepStatus, StepWarning } from '../protocol/model';
import { shownStatusNote } from '../protocol/results';
import * as cicd from './cicdAttributes';

/** Ends every span of the run; the span processor then exports them. */
export function emitRunSpans(tracer: Tracer, record: RunRecord, host: string): void {
  const runStart = Date.parse(record.startedAt);
  const runEnd = record.endedAt ? Date.parse(record.endedAt) : runStart + (record.durationMs ?? 0);
  const artifactsByStep = groupArtifacts(record.artifacts);
  const root = tracer.startSpan(`RUN ${record.script}`, {
    kind: SpanKind.SERVER, // the CI/CD conventions' kind for a pipeline run
    startTime: runStart,
    attributes: {
      [cicd.CICD_PIPELINE_NAME]: record.script,
      [cicd.CICD_PIPELINE_RUN_ID]: record.id,
      [cicd.CICD_PIPELINE_ACTION_NAME]: 'RUN',
      [cicd.CICD_PIPELINE_RESULT]: runResult(record.status),
      [cicd.CICD_WORKER_NAME]: host,
      'stepflow.run.status': record.status,
      'stepflow.run.cwd': record.cwd,
      'stepflow.run.args': record.args,
      'stepflow.run.line_count': record.lineCount,
      ...(record.profile ? { 'stepflow.run.profile': record.profile } : {}),
      ...(record.exitCode !== null ? { [cicd.PROCESS_EXIT_CODE]: record.exitCode } : {}),
      ...(record.signal ? { 'stepflow.run.signal': record.signal } : {}),
      ...(record.durationMs !== null ? { 'stepflow.duration_ms': record.durationMs } : {}),
      ...metaAttributes(record.meta),
      ...artifactAttributes(artifactsByStep.get(null)),
    },
  }, ROOT_CONTEXT);
  for (const step of record.steps) emitStep(tracer, root, step, record, runEnd, artifactsByStep);
  for (const warning of record.warnings) root.addEvent('stepflow.warning', warningAttributes(warning), runEnd);
  if (record.error) {
    recordError(root, record.error, runEnd);
  } else if (record.status === 'failed' || record.status === 'timed_out' || record.status === 'interrupted') {
    root.setStatus({ code: SpanStatusCode.ERROR, message: runFailureReason(record) });
  }
  root.end(runEnd);
}

function emitStep(tracer: Tracer, parent: Span, step: StepRecord, record: RunRecord, runEnd: number, artifacts: Map<number | null, ArtifactRecord[]>): void {
  // A step still open in the record (an interrupted run) ends with the run.
  const end = step.endedAt ?? runEnd;
  const span = tracer.startSpan(step.name, {
    kind: SpanKind.INTERNAL,
    startTime: step.startedAt,
    attributes: {
      [cicd.CICD_PIPELINE_TASK_NAME]: step.name,
      [cicd.CICD_PIPELINE_TASK_RUN_ID]: `${record.id}/${step.id}`,
      [cicd.CICD_PIPELINE_TASK_RUN_RESULT]: taskResult(step.status),
      'stepflow.step.id': step.id,
      'stepflow.step.status': step.status,
      // The duration a CI line stated (TeamCity, GitLab) can differ from end - start.
      ...(step.durationMs !== null ? { 'stepflow.duration_ms': step.durationMs } : {}),
      ...metaAttributes(step.meta),
      ...artifactAttributes(artifacts.get(step.id)),
    },
  }, trace.setSpan(ROOT_CONTEXT, parent));
  for (const child of step.children) emitStep(tracer, span, child, record, runEnd, artifacts);
  // The record keeps no time for a warning: it is placed at the step's end.
  for (const warning of step.warnings) span.addEvent('stepflow.warning', warningAttributes(warning), end);
  if (step.error) {
    recordError(span, step.error, end);
  } else if (step.status === 'failed') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  } else {
    // A failure is never hidden (docs/spec.md §1): a step whose descendant failed is failed.
    const reason = shownStatusNote(step);
    if (reason) span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  }
  span.end(end);
}

function recordError(span: Span, error: StepError, at: number): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.setAttribute(ATTR_ERROR_TYPE, 'STEP_ERROR');
  span.addEvent('exception', {
    [ATTR_EXCEPTION_TYPE]: 'STEP_ERROR',
    [ATTR_EXCEPTION_MESSAGE]: error.message,
    ...locationAttributes(error.file, error.line, error.column ?? null),
  }, at);
}

function warningAttributes(warning: StepWarning): Attributes {
  return {
    'stepflow.warning.type': warning.type,
    'stepflow.warning.severity': warning.severity,
    'stepflow.warning.message': warning.message,
    ...locationAttributes(warning.file, warning.line, warning.column ?? null),
  };
}

function locationAttributes(file: string | null, line: number | null, column: number | null): Attributes {
  if (!file) return {};
  return {
    [ATTR_CODE_FILE_PATH]: file,
    [cicd.CODE_FILEPATH_DEPRECATED]: file,
    ...(line !== null ? { [ATTR_CODE_LINE_NUMBER]: line, [cicd.CODE_LINENO_DEPRECATED]: line } : {}),
    ...(column !== null ? { [ATTR_CODE_COLUMN_NUMBER]: column } : {}),
  };
}

/** META:KEY:value → `stepflow.meta.KEY` (keys are kept as written). */
function metaAttributes(meta: Record<string, string>): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(meta)) attributes[`stepflow.meta.${key}`] = value;
  return attributes;
}

/** Parallel arrays, as attributes cannot hold objects: path i is described by description i. */
function artifactAttributes(artifacts: ArtifactRecord[] | undefined): Attributes {
  if (!artifacts || artifacts.length === 0) return {};
  return {
    'stepflow.artifact.paths': artifacts.map((a) => a.path),
    'stepflow.artifact.descriptions': artifacts.map((a) => a.description ?? ''),
  };
}

function groupArtifacts(artifacts: ArtifactRecord[]): Map<number | null, ArtifactRecord[]> {
  const byStep = new Map<number | null, ArtifactRecord[]>();
  for (const artifact of artifacts) {
    const key = artifact.stepId ?? null;
    byStep.set(key, [...(byStep.get(key) ?? []), artifact]);
  }
  return byStep;
}

function runResult(status: RunStatus): cicd.CicdResult {
  switch (status) {
    case 'succeeded': return 'success';
    case 'cancelled': return 'cancellation';
    case 'timed_out': return 'timeout';
    case 'interrupted': return 'error';
    default: return 'failure';
  }
}

function taskResult(status: StepStatus): cicd.CicdResult {
  if (status === 'succeeded') return 'success';
  if (status === 'cancelled') return 'cancellation';
  if (status === 'failed') return 'failure';
  return 'error'; // still running when the run ended
}

function runFailureReason(record: RunRecord): string {
  if (record.status === 'timed_out') return 'timed out';
  if (record.status === 'interrupted') return 'interrupted';
  if (record.signal) return `killed by ${record.signal}`;
  return record.exitCode !== null && record.exitCode !== 0 ? `exit code ${record.exitCode}` : 'a step failed';
}
