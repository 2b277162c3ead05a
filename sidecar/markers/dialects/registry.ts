// Which dialects a run's output is read in. Every OutputParser gets fresh instances, because
// CI dialects keep state across lines (open groups, GitHub's stop-commands token).
import type { Dialect } from '../dialect';
import { stepflowDialect } from '../stepflowDialect';
import { AzurePipelinesDialect } from './azurePipelines';
import { GithubActionsDialect } from './githubActions';
import { GitlabDialect } from './gitlab';
import { TeamcityDialect } from './teamcity';

export const CI_DIALECTS = ['github', 'teamcity', 'gitlab', 'azure'] as const;
export type CiDialectId = (typeof CI_DIALECTS)[number];

/** `"dialects": {"github": false}` in stepflow.json / `stepflow.markers.dialects`: every CI dialect is on unless switched off. */
export type DialectSwitches = Partial<Record<CiDialectId, boolean>>;

const CREATE: Record<CiDialectId, () => Dialect> = {
  // GitHub before Azure: both read `##[group]`-style lines, and the first to answer wins.
  github: () => new GithubActionsDialect(),
  teamcity: () => new TeamcityDialect(),
  gitlab: () => new GitlabDialect(),
  azure: () => new AzurePipelinesDialect(),
};

/** The StepFlow dialect, then every CI dialect not switched off, as fresh instances. */
export function createDialects(switches: DialectSwitches = {}): Dialect[] {
  return [stepflowDialect, ...CI_DIALECTS.filter((id) => switches[id] !== false).map((id) => CREATE[id]())];
}
