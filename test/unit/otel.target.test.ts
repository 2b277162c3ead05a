// Where a finished run's trace goes (sidecar/telemetry/traceTarget.ts): the editor setting,
// then stepflow.json, then the standard OTEL_* variables; the SDK's off switches win.
import { strict as assert } from 'node:assert';
import { resolveTraceTarget, tracesUrl } from '../../sidecar/telemetry/traceTarget';

describe('trace export target', () => {
  it('sends nothing when nothing names a collector', () => {
    assert.equal(resolveTraceTarget({}, {}), undefined);
    assert.equal(resolveTraceTarget({ settingEndpoint: '  ' }, { OTEL_EXPORTER_OTLP_ENDPOINT: '' }), undefined);
  });

  it('takes the setting over stepflow.json over the environment', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' };
    assert.deepEqual(resolveTraceTarget({ settingEndpoint: 'http://setting:4318', projectEndpoint: 'http://project:4318' }, env), { url: 'http://setting:4318/v1/traces' });
    assert.deepEqual(resolveTraceTarget({ projectEndpoint: 'http://project:4318' }, env), { url: 'http://project:4318/v1/traces' });
    assert.deepEqual(resolveTraceTarget({}, env), { url: 'http://env:4318/v1/traces' });
  });

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, before the base endpoint', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom/path' };
    assert.deepEqual(resolveTraceTarget({}, env), { url: 'http://traces:4318/custom/path' });
  });

  it('is switched off by OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none and "telemetry": {"enabled": false}', () => {
    const settings = { settingEndpoint: 'http://setting:4318' };
    assert.equal(resolveTraceTarget(settings, { OTEL_SDK_DISABLED: 'TRUE' }), undefined);
    assert.equal(resolveTraceTarget(settings, { OTEL_TRACES_EXPORTER: 'none' }), undefined);
    assert.equal(resolveTraceTarget({ ...settings, projectEnabled: false }, {}), undefined);
    assert.deepEqual(resolveTraceTarget(settings, { OTEL_SDK_DISABLED: 'false' }), { url: 'http://setting:4318/v1/traces' });
  });

  it('appends /v1/traces to a base endpoint once', () => {
    assert.equal(tracesUrl('http://c:4318'), 'http://c:4318/v1/traces');
    assert.equal(tracesUrl('http://c:4318/'), 'http://c:4318/v1/traces');
    assert.equal(tracesUrl('https://c/otlp'), 'https://c/otlp/v1/traces');
    assert.equal(tracesUrl('http://c:4318/v1/traces'), 'http://c:4318/v1/traces');
  });
});
