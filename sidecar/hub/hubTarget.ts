// Where this machine ships its finished runs, if anywhere (docs/spec.md §10). Small and
// free of heavy imports: `stepflow run` reads it after every run.
//   URL:   --hub-url, else $STEPFLOW_HUB_URL, else the VS Code setting stepflow.hub.url (the
//          language server's), else "hub": {"url": …} in the script's stepflow.json
//   token: $STEPFLOW_HUB_TOKEN, else the file $STEPFLOW_HOME/hub-token (never stepflow.json,
//          which is committed with the scripts)
//   who:   $STEPFLOW_HOST_NAME / $STEPFLOW_USER_NAME, else this machine's host and user name
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stepflowHome } from '../server/auth';

export interface HubTarget {
  /** The hub's base URL, without a trailing slash. */
  url: string;
  token: string;
  host: string;
  user: string;
}

export interface HubTargetSources {
  /** An explicit URL (--hub-url, the editor's setting). */
  url?: string | undefined;
  /** stepflow.json's "hub": {"url": …}. */
  projectUrl?: string | undefined;
}

/** The target, or a reason there is none (undefined: no hub configured at all). */
export function resolveHubTarget(sources: HubTargetSources, env: NodeJS.ProcessEnv = process.env): HubTarget | { problem: string } | undefined {
  const url = nonEmpty(sources.url) ?? nonEmpty(env.STEPFLOW_HUB_URL) ?? nonEmpty(sources.projectUrl);
  if (!url) return undefined;
  if (!/^https?:\/\/[^/]/i.test(url)) return { problem: `the hub URL must be http(s)://…, got "${url}"` };
  const token = nonEmpty(env.STEPFLOW_HUB_TOKEN) ?? readTokenFile(path.join(stepflowHome(env), 'hub-token'));
  if (!token) return { problem: `a hub is configured (${url}) but no token: set STEPFLOW_HUB_TOKEN or write it into ${path.join(stepflowHome(env), 'hub-token')} (stepflow hub token create, on the hub)` };
  return { url: url.replace(/\/+$/, ''), token, host: nonEmpty(env.STEPFLOW_HOST_NAME) ?? os.hostname(), user: nonEmpty(env.STEPFLOW_USER_NAME) ?? userName() };
}

function readTokenFile(file: string): string | undefined {
  try {
    return nonEmpty(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
