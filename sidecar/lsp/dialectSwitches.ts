// Which CI dialects the editor features offer and read for a document: the same rule as a
// run's (runs/runConfig.ts) — a dialect is off when the nearest stepflow.json (`"dialects"`)
// or the setting `stepflow.markers.dialects` switches it off. Both are looked up again after
// a short while rather than watched: a switch is flipped rarely, and a completion list or an
// outline a second late is no harm, while a file watcher per folder would be.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'vscode-languageserver';
import { CI_DIALECTS, type DialectSwitches } from '../markers/dialects/registry';
import { loadProjectConfig } from '../runs/profiles';

const FRESH_MS = 2000;
const SETTING_WAIT_MS = 1000;

export class DialectSwitchBook {
  private readonly byFolder = new Map<string, { at: number; switches: DialectSwitches }>();
  private readonly bySetting = new Map<string, { at: number; switches: DialectSwitches }>();
  constructor(private readonly connection: Connection) {}

  /** The dialects switched off for a document (only `false` entries). */
  async forDocument(uri: string): Promise<DialectSwitches> {
    const [file, setting] = await Promise.all([this.fromProject(uri), this.fromSetting(uri)]);
    const off: DialectSwitches = {};
    for (const id of CI_DIALECTS) if (file[id] === false || setting[id] === false) off[id] = false;
    return off;
  }

  private fromProject(uri: string): DialectSwitches {
    let folder: string;
    try {
      if (!uri.startsWith('file:')) return {};
      folder = path.dirname(fileURLToPath(uri));
    } catch {
      return {};
    }
    const cached = this.byFolder.get(folder);
    if (cached && Date.now() - cached.at < FRESH_MS) return cached.switches;
    let switches: DialectSwitches = {};
    try {
      switches = loadProjectConfig(folder).dialects ?? {};
    } catch {
      // A broken stepflow.json is reported when a run starts; here it switches nothing off.
    }
    this.byFolder.set(folder, { at: Date.now(), switches });
    return switches;
  }

  private async fromSetting(uri: string): Promise<DialectSwitches> {
    const cached = this.bySetting.get(uri);
    if (cached && Date.now() - cached.at < FRESH_MS) return cached.switches;
    let switches: DialectSwitches = {};
    try {
      // A client without `workspace/configuration` answers "method not found"; one that never
      // answers must not hold the features up.
      const raw = await Promise.race([
        this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'stepflow.markers.dialects' }) as Promise<unknown>,
        new Promise<undefined>((resolve) => {
          const timer: NodeJS.Timeout = setTimeout(() => resolve(undefined), SETTING_WAIT_MS);
          timer.unref?.();
        }),
      ]);
      if (raw && typeof raw === 'object') {
        for (const id of CI_DIALECTS) if ((raw as Record<string, unknown>)[id] === false) switches[id] = false;
      }
    } catch {
      switches = {};
    }
    this.bySetting.set(uri, { at: Date.now(), switches });
    return switches;
  }

  forget(uri: string): void {
    this.bySetting.delete(uri);
  }
}
