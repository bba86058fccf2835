import { endpointProblem, tracesWanted } from './tracing';

describe('tracesWanted', () => {
  const endpoint = 'http://collector:4318';

  it('is on when an OTLP endpoint is named, for every signal or for traces alone', () => {
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })).toBe(true);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` })).toBe(true);
  });

  it('is off without an endpoint, an empty one (compose passes `VAR=` for unset) included', () => {
    expect(tracesWanted({})).toBe(false);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: 'airisk-identity' })).toBe(false);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
  });

  it('is off when the standard variables turn the SDK or its trace exporter off', () => {
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });
});

describe('endpointProblem', () => {
  it('accepts http and https URLs, and no endpoint at all', () => {
    expect(endpointProblem({})).toBeUndefined();
    expect(endpointProblem({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
    expect(endpointProblem({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' })).toBeUndefined();
    expect(
      endpointProblem({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/v1/traces' }),
    ).toBeUndefined();
  });

  it('names every endpoint variable that is not an http(s) URL', () => {
    expect(
      endpointProblem({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x',
      }),
    ).toBe(
      'invalid configuration:\n' +
        '  - OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not an http(s) URL (e.g. http://otel-collector:4318)\n' +
        '  - OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL (e.g. http://otel-collector:4318)',
    );
    expect(endpointProblem({ OTEL_EXPORTER_OTLP_ENDPOINT: 'notaurl' })).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT is not/);
  });
});
