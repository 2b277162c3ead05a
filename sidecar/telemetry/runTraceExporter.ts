// The OpenTelemetry SDK side of trace export, bundled apart as dist/sidecar-otel.js and
// loaded only when a collector is configured (telemetry/traceExport.ts, esbuild.mjs).
// One tracer provider per collector URL, batching spans and sending them with the official
// OTLP/HTTP exporter (JSON encoding), which retries a down collector with backoff until its
// timeout; then the batch is dropped and ONE warning line says so.
import * as os from 'node:os';
import { TracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { RunRecord } from '../protocol/model';
import { emitRunSpans } from './runSpans';

declare const __STEPFLOW_VERSION__: string | undefined;
const VERSION = typeof __STEPFLOW_VERSION__ === 'string' ? __STEPFLOW_VERSION__ : '0.0.0-dev';

export interface RunTraceExporterOptions {
  url: string;
  /** How long one export may take, retries included; absent: OTEL_EXPORTER_OTLP_TIMEOUT or the SDK's 10 s. */
  timeoutMillis?: number;
  warn: (line: string) => void;
}

export class RunTraceExporter {
  private readonly provider: TracerProvider;
  private readonly host = os.hostname();
  /** Exports under way: a later forceFlush with an empty queue would not wait for them. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: RunTraceExporterOptions) {
    // Headers (OTEL_EXPORTER_OTLP_HEADERS, …_TRACES_HEADERS) and compression are read from
    // the environment by the exporter itself.
    const exporter = new OTLPTraceExporter({
      url: options.url,
      ...(options.timeoutMillis !== undefined ? { timeoutMillis: options.timeoutMillis } : {}),
    });
    const resource = defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'stepflow', [ATTR_SERVICE_VERSION]: VERSION, 'host.name': this.host }))
      // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win, as for any SDK.
      .merge(detectResources({ detectors: [envDetector] }));
    this.provider = new TracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor({
        exporter: new WarnOnceExporter(exporter, options.url, options.warn),
        // A run's spans are flushed as soon as it ends (exportRun); the delay only matters
        // for runs that end while an export is still under way.
        scheduledDelayMillis: 1000,
        // A run's spans are queued in one go, synchronously; past this queue size the SDK
        // drops spans, so it is far above any step count seen (a span is ~1 KB while queued).
        maxQueueSize: 65_536,
        maxExportBatchSize: 1024,
      })],
    });
  }

  /** Turns the run into spans and starts sending them; never throws, never waits. */
  exportRun(record: RunRecord): void {
    emitRunSpans(this.provider.getTracer('stepflow', VERSION), record, this.host);
    // Failures are reported by WarnOnceExporter, not here.
    const sending: Promise<void> = this.provider.forceFlush().catch(() => undefined).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Resolves when what was handed over is sent or given up (bounded by the exporter's timeout). */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight, this.provider.forceFlush().catch(() => undefined)]);
  }
}

/**
 * Wraps the OTLP exporter to report a dropped batch: one line per outage — after a warning,
 * further failures are silent until an export succeeds again — so a collector that is down
 * for a day does not write a line per run into the CLI's or the language server's output.
 */
class WarnOnceExporter implements SpanExporter {
  private warned = false;

  constructor(private readonly inner: SpanExporter, private readonly url: string, private readonly warn: (line: string) => void) {}

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      if (result.code === 0 /* ExportResultCode.SUCCESS */) {
        this.warned = false;
      } else if (!this.warned) {
        this.warned = true;
        const runs = new Set(spans.map((s) => s.spanContext().traceId)).size;
        const why = result.error?.message ? ` (${result.error.message.split('\n')[0]})` : '';
        this.warn(`trace export to ${this.url} failed after retries${why}; ${runs} run trace${runs === 1 ? '' : 's'} dropped`);
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
