// A step's history for the editor (hover and CodeLens on STEP_START lines): statistics from
// store.stepStats (the protocol's StepStatistic, as the store returns it) and the latest
// runs of the step with their status (store.recentStepRuns). Steps are keyed like the store keys them: the
// absolute script path and the names from the root step (stepPathKey).
import type { StepStatus } from '../../protocol/model';
import type { RecentStepRun, StepStatistic } from '../../protocol/statistics';
import { formatDuration, formatSpread } from '../../protocol/format';
import { stepPathKey } from '../../store/schema';
import type { Store } from '../../store/store';

export interface StepHistoryEntry {
  stat: StepStatistic | null;
  recent: RecentStepRun[];
}

const RECENT = 5;

/** Reads step history from the store, caching per script until runs change. */
export class StepHistory {
  private readonly stats = new Map<string, Map<string, StepStatistic>>();

  constructor(private readonly store: () => Store | undefined) {}

  /** Forget cached statistics (a run finished or another process wrote runs). */
  invalidate(): void {
    this.stats.clear();
  }

  /** The history of the step at `path` in `script`; null when there is no database. */
  lookup(script: string, path: string[]): StepHistoryEntry | null {
    const store = this.store();
    if (!store) return null;
    const stats = this.statsOf(store, script);
    let key = stepPathKey(path);
    let stat = stats.get(key) ?? null;
    if (!stat) {
      // The outline could not place the step exactly (a function called inside a step):
      // a unique step of that name in the script is still the one.
      const sameName = [...stats.entries()].filter(([, s]) => s.path[s.path.length - 1] === path[path.length - 1]);
      if (sameName.length === 1) [key, stat] = sameName[0]!;
    }
    return { stat, recent: this.recent(store, script, key) };
  }

  private statsOf(store: Store, script: string): Map<string, StepStatistic> {
    let map = this.stats.get(script);
    if (!map) {
      map = new Map();
      try {
        for (const s of store.stepStats(script)) map.set(stepPathKey(s.path), s);
      } catch {
        // A database being migrated by another process: no statistics this time.
      }
      this.stats.set(script, map);
    }
    return map;
  }

  private recent(store: Store, script: string, key: string): RecentStepRun[] {
    try {
      return store.recentStepRuns(script, key, RECENT);
    } catch {
      return [];
    }
  }
}

const STATUS_ICON: Record<StepStatus, string> = { succeeded: '✓', failed: '✗', cancelled: '⊘', running: '⟳' };

/** `avg 12.3 s ± 1.1 s · last ✓ 11.9 s` — σ always with its unit; null when the step never ran. */
export function lensTitle(entry: StepHistoryEntry): string | null {
  const { stat, recent } = entry;
  const last = recent[0];
  const parts: string[] = [];
  if (stat && stat.count > 0) {
    const sd = stat.stdDevMs;
    parts.push(`avg ${formatDuration(stat.meanMs)}${sd !== null && stat.count > 1 ? ` ${formatSpread(sd)}` : ''}`);
  }
  if (last) parts.push(`last ${STATUS_ICON[last.status]} ${last.status === 'running' ? 'running' : formatDuration(last.durationMs)}`);
  if (parts.length === 0) return null;
  if (stat && stat.count > 0) parts.push(`${stat.count} run${stat.count === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** Markdown for the hover on a STEP_START line. */
export function hoverMarkdown(name: string, path: string[], entry: StepHistoryEntry | null, now = Date.now()): string {
  const title = `**Step “${escapeMarkdown(name)}”**${path.length > 1 ? ` — in ${path.slice(0, -1).map(escapeMarkdown).join(' › ')}` : ''}`;
  if (!entry) return `${title}\n\nNo history: the StepFlow database is not open.`;
  const { stat, recent } = entry;
  if (!stat && recent.length === 0) return `${title}\n\nNo runs of this step yet. Run the script with StepFlow to see its timings here.`;
  const lines = [title, ''];
  if (stat && stat.count > 0) {
    const sd = stat.stdDevMs;
    const sigma = sd !== null && stat.count > 1 ? ` ${formatSpread(sd)} (σ)` : '';
    const range = ` · min ${formatDuration(stat.minMs)} · max ${formatDuration(stat.maxMs)}`;
    lines.push(`**${stat.count}** successful run${stat.count === 1 ? '' : 's'} · mean **${formatDuration(stat.meanMs)}**${sigma}${range}`, '');
  } else {
    lines.push('No successful run yet.', '');
  }
  if (recent.length > 0) {
    const last = recent[0]!;
    lines.push(`Last run: ${STATUS_ICON[last.status]} ${last.status}${last.durationMs !== null ? ` in ${formatDuration(last.durationMs)}` : ''}, ${ago(now - last.startedAt)}`, '');
    lines.push(`Latest durations: ${recent.map((r) => `${STATUS_ICON[r.status]} ${r.status === 'running' ? 'running' : formatDuration(r.durationMs)}`).join(' · ')}`);
  }
  return lines.join('\n');
}

function ago(ms: number): string {
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (ch) => `\\${ch}`);
}
