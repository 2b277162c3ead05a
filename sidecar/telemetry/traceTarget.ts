// Where finished runs are sent as OpenTelemetry traces, if anywhere (docs/architecture.md,
// "Trace export"). Pure: the settings, stepflow.json and the environment in, a target out.
// This module is in every bundle; the SDK itself is only loaded once a target exists
// (telemetry/traceExport.ts), so a CLI run without a collector pays nothing for it.

/** An OTLP/HTTP traces URL; headers and the timeout come from the OTEL_* variables (read by the exporter). */
export interface TraceTarget {
  url: string;
}

export interface TraceSettings {
  /** The VS Code setting `stepflow.telemetry.otlpEndpoint` (a client's RunParams). */
  settingEndpoint?: string | undefined;
  /** stepflow.json's `"telemetry": {"otlpEndpoint": …}`. */
  projectEndpoint?: string | undefined;
  /** `"telemetry": {"enabled": false}` in stepflow.json: no export for this project, whatever else says. */
  projectEnabled?: boolean | undefined;
}

/**
 * Precedence: the editor setting, then stepflow.json, then the standard variables
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT used as it is, OTEL_EXPORTER_OTLP_ENDPOINT with
 * `/v1/traces` appended, as the OTLP exporter specification says). OTEL_SDK_DISABLED=true
 * and OTEL_TRACES_EXPORTER=none switch export off, as they do for any OpenTelemetry SDK.
 */
export function resolveTraceTarget(settings: TraceSettings, env: NodeJS.ProcessEnv): TraceTarget | undefined {
  if (settings.projectEnabled === false) return undefined;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;
  const endpoint = nonEmpty(settings.settingEndpoint) ?? nonEmpty(settings.projectEndpoint);
  if (endpoint) return { url: tracesUrl(endpoint) };
  const tracesEndpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (tracesEndpoint) return { url: tracesEndpoint };
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (base) return { url: tracesUrl(base) };
  return undefined;
}

/** A collector's base URL (`http://localhost:4318`) → its traces URL; one that already names it stays. */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.trim();
  if (/\/v1\/traces\/?$/.test(trimmed)) return trimmed;
  return `${trimmed.replace(/\/+$/, '')}/v1/traces`;
}

/** True for an http(s) URL a collector could listen on; used to reject a mistyped setting early. */
export function isCollectorUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
