// When each `stepflow.*` setting takes effect — never only after a window reload. Every
// setting of package.json's contributes.configuration is listed (test/unit/settingEffects.test.ts
// holds the two lists equal), so a new setting has to say how it applies.
//  - restart: the sidecar reads it when it starts (which Node runs it, which database it
//    opens, how long its runs outlive it): a change restarts the sidecar, as rust-analyzer
//    restarts its server. The runs it started go on and the new one adopts them; a database
//    change waits until the runs this window started have ended (they belong to the old one).
//  - reload: the StepFlow view reads it when it loads the stored runs: a change reloads them.
//  - next use: read where it is used — when a run starts (and reruns, tasks), when a run ends,
//    when a run is revealed — so the next use has the new value; nothing to do.
export type SettingEffect = 'restart' | 'reload' | 'next use';

export const SETTING_EFFECTS: Readonly<Record<string, SettingEffect>> = {
  'stepflow.runtime.nodePath': 'restart',
  'stepflow.runtime.mode': 'restart',
  'stepflow.storage.databasePath': 'restart',
  'stepflow.run.adoptGraceSeconds': 'restart',
  'stepflow.view.runsShown': 'reload',
  'stepflow.run.interpreters': 'next use',
  'stepflow.run.profiles': 'next use',
  'stepflow.run.cancelGracePeriodSeconds': 'next use',
  'stepflow.run.timeoutSeconds': 'next use',
  'stepflow.run.saveBeforeRun': 'next use',
  'stepflow.run.separateStderr': 'next use',
  'stepflow.markers.dialects': 'next use',
  'stepflow.masking.env': 'next use',
  'stepflow.view.revealOnRun': 'next use',
  'stepflow.telemetry.otlpEndpoint': 'next use',
  'stepflow.hub.url': 'next use',
  'stepflow.stats.minSamples': 'next use',
  'stepflow.stats.minSlowdownMs': 'next use',
  'stepflow.stats.minSlowdownPercent': 'next use',
  'stepflow.stats.notifyCritical': 'next use',
  'stepflow.notify.longRunSeconds': 'next use',
};

/** The settings among `changed` (a predicate over setting ids), grouped by how they apply. */
export function changedSettings(changed: (setting: string) => boolean): Record<SettingEffect, string[]> {
  const out: Record<SettingEffect, string[]> = { restart: [], reload: [], 'next use': [] };
  for (const [setting, effect] of Object.entries(SETTING_EFFECTS)) if (changed(setting)) out[effect].push(setting);
  return out;
}
