// One configuration (sidecar/runs/runConfig.ts): StepFlow's defaults, then the script's
// stepflow.json, then what the request says (the editor's explicit settings, the CLI's flags)
// — for every way of starting a run. Real stepflow.json files in a temporary folder, and a
// real `stepflow run` reading the same file as the resolution does.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectConfigFor, resolveProfiles, resolveRun } from '../../sidecar/runs/runConfig';
import { DEFAULT_PROFILES } from '../../sidecar/runs/profiles';
import { UserError } from '../../sidecar/util/errors';
import { runCli } from '../support/cli';

describe('runConfig: one resolution with a documented precedence', () => {
  let dir: string;
  let script: string;
  const writeProject = (config: unknown) => fs.writeFileSync(path.join(dir, 'stepflow.json'), JSON.stringify(config));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-runconfig-'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    script = path.join(dir, 'scripts', 'build.sh');
    fs.writeFileSync(script, '#!/usr/bin/env bash\necho "LOG_LEVEL=$LOG_LEVEL DEBUG=$DEBUG EXTRA=$EXTRA"\n', { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without stepflow.json or settings: the built-in profiles', () => {
    const project = projectConfigFor(script);
    assert.equal(project.file, null);
    const profiles = resolveProfiles(project);
    assert.deepEqual(profiles.map((p) => [p.name, p.source]), [['development', 'built-in'], ['debug', 'built-in'], ['release', 'built-in']]);
    assert.deepEqual(resolveRun({ script, profileName: 'debug' }).options.profile, { env: { ...DEFAULT_PROFILES.debug!.env }, args: [] });
  });

  it('stepflow.json (found above the script) replaces a built-in profile and adds its own', () => {
    writeProject({ profiles: { debug: { env: { LOG_LEVEL: 'debug' }, args: ['--verbose'] }, ci: { env: { CI: '1' } } } });
    const project = projectConfigFor(script);
    assert.equal(project.file, path.join(dir, 'stepflow.json'));
    const byName = Object.fromEntries(resolveProfiles(project).map((p) => [p.name, p]));
    assert.deepEqual(byName.debug, { name: 'debug', source: 'stepflow.json', env: { LOG_LEVEL: 'debug' }, args: ['--verbose'] });
    assert.equal(byName.ci?.source, 'stepflow.json');
    assert.equal(byName.release?.source, 'built-in');
    assert.deepEqual(resolveRun({ script, profileName: 'debug' }).options.profile, { env: { LOG_LEVEL: 'debug' }, args: ['--verbose'] });
  });

  it('a profile set in the settings merges into the file’s: its variables win, its args replace', () => {
    writeProject({ profiles: { debug: { env: { LOG_LEVEL: 'debug', KEEP: 'file' }, args: ['--verbose'] } } });
    const settings = { debug: { env: { LOG_LEVEL: 'trace', EXTRA: '1' } }, mine: { args: ['--fast'] } };
    const byName = Object.fromEntries(resolveProfiles(projectConfigFor(script), settings).map((p) => [p.name, p]));
    assert.deepEqual(byName.debug, { name: 'debug', source: 'stepflow.json + settings', env: { LOG_LEVEL: 'trace', KEEP: 'file', EXTRA: '1' }, args: ['--verbose'] });
    assert.deepEqual(byName.mine, { name: 'mine', source: 'settings', env: {}, args: ['--fast'] });
    // A settings profile over a built-in one replaces it: the built-in is no file the user wrote.
    const release = resolveProfiles(projectConfigFor(script), { release: { env: { R: '1' } } }).find((p) => p.name === 'release');
    assert.deepEqual(release, { name: 'release', source: 'settings', env: { R: '1' }, args: [] });
    // The run uses exactly what the picker shows.
    assert.deepEqual(resolveRun({ script, profileName: 'debug', profile: settings.debug }).options.profile, { env: byName.debug!.env, args: byName.debug!.args });
  });

  it('an unknown profile is an error naming the known ones', () => {
    writeProject({ profiles: { ci: {} } });
    assert.throws(() => resolveRun({ script, profileName: 'nope' }), (err: unknown) => err instanceof UserError && /unknown profile "nope" \(known: development, debug, release, ci\)/.test(err.message));
  });

  it('scalars: the request (an explicit setting, a flag) over stepflow.json over the defaults', () => {
    assert.equal(resolveRun({ script }).options.outlierMinSamples, undefined, 'nothing set: RunSession’s default');
    writeProject({ stats: { minSamples: 5, minSlowdownMs: 0 }, capture: { separateStderr: true } });
    const fromFile = resolveRun({ script }).options;
    assert.deepEqual([fromFile.outlierMinSamples, fromFile.outlierMinSlowdownMs, fromFile.outlierMinSlowdownPercent, fromFile.separateStderr], [5, 0, undefined, true]);
    const fromSettings = resolveRun({ script, outlierMinSamples: 2, outlierMinSlowdownPercent: 0, separateStderr: false }).options;
    assert.deepEqual([fromSettings.outlierMinSamples, fromSettings.outlierMinSlowdownMs, fromSettings.outlierMinSlowdownPercent, fromSettings.separateStderr], [2, 0, 0, false]);
  });

  it('interpreters per extension: the setting’s over the file’s', () => {
    writeProject({ interpreters: { '.py': ['python3', '-X', 'dev'], '.rb': ['ruby', '-w'] } });
    assert.deepEqual(resolveRun({ script, interpreters: { '.py': ['python3'] } }).options.interpreters, { '.py': ['python3'], '.rb': ['ruby', '-w'] });
  });

  it('lists add up and a dialect is off when any layer says so', () => {
    writeProject({ dialects: { teamcity: false }, masking: { env: ['NPM_TOKEN'] } });
    const { options } = resolveRun({ script, dialects: { gitlab: false }, maskEnv: ['API_KEY', 'NPM_TOKEN'] });
    assert.deepEqual(options.dialects, { teamcity: false, gitlab: false });
    assert.deepEqual(options.maskEnv, ['NPM_TOKEN', 'API_KEY']);
  });

  it('trace export: the setting, then stepflow.json, then OTEL_*', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' };
    assert.equal(resolveRun({ script }, env).traceTarget?.url, 'http://env:4318/v1/traces');
    writeProject({ telemetry: { otlpEndpoint: 'http://file:4318' } });
    assert.equal(resolveRun({ script }, env).traceTarget?.url, 'http://file:4318/v1/traces');
    assert.equal(resolveRun({ script, otlpEndpoint: 'http://setting:4318' }, env).traceTarget?.url, 'http://setting:4318/v1/traces');
  });

  it('a broken stepflow.json is an error saying which file', () => {
    fs.writeFileSync(path.join(dir, 'stepflow.json'), '{ "profiles": ');
    assert.throws(() => resolveRun({ script }), (err: unknown) => err instanceof UserError && err.message.includes(path.join(dir, 'stepflow.json')));
  });

  it('`stepflow run --profile` resolves the same way: the file’s variable reaches the script', async () => {
    writeProject({ profiles: { debug: { env: { LOG_LEVEL: 'debug' } } } });
    const result = await runCli(['run', script, '--profile', 'debug'], { home: path.join(dir, 'home') });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /LOG_LEVEL=debug DEBUG= EXTRA=/, 'the file’s debug replaces the built-in one (no DEBUG=1)');
  });

  it('the built-in profiles are written once: the setting has no default of its own', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: Array<{ properties: Record<string, { default?: unknown }> }> };
    };
    const setting = pkg.contributes.configuration.map((c) => c.properties['stepflow.run.profiles']).find(Boolean);
    assert.deepEqual(setting?.default, {});
  });
});
