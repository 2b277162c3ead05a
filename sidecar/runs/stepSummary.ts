// $GITHUB_STEP_SUMMARY (docs/spec.md §1 "Step summary"): GitHub gives every step a file to
// append Markdown to, and shows that Markdown on the job's page. StepFlow gives every run
// one, in a folder of its own beside the spool (the database's log folder, else $TMPDIR), and
// keeps what the script wrote as the run's summary: masked with the run's secrets, at most
// 1 MiB (GitHub's limit per step) with a note when it was cut. The folder is named after the
// run, not after our pid, so a language server that adopts the run after a reload finds the
// same file (runs/adoption.ts), and no sweep of a dead process's spool folders removes it
// while the adopted script still appends to it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SecretMasker } from './secretMasker';

export const STEP_SUMMARY_ENV = 'GITHUB_STEP_SUMMARY';
/** GitHub's limit for one step's summary. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;
const FOLDER_PREFIX = 'stepflow-summary-';
const FILE_NAME = 'step-summary.md';

export class StepSummaryFile {
  private constructor(readonly path: string) {}

  /** Creates the run's empty summary file (owner-only: the script may write secrets into it). */
  static create(parent: string | null, runId: string): StepSummaryFile {
    const file = summaryPath(parent, runId);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, '', { mode: 0o600 });
    return new StepSummaryFile(file);
  }

  /** The file of a run another process started (adoption); it may be gone. */
  static existing(parent: string | null, runId: string): StepSummaryFile {
    return new StepSummaryFile(summaryPath(parent, runId));
  }

  /**
   * What the script wrote, masked and size-bounded; null when it wrote nothing but
   * whitespace, or the file is gone. Never throws: a summary is a nicety of the run.
   */
  collect(masker: SecretMasker, limit = STEP_SUMMARY_LIMIT_BYTES): string | null {
    let bytes: Buffer;
    let size: number;
    try {
      const fd = fs.openSync(this.path, 'r');
      try {
        size = fs.fstatSync(fd).size;
        bytes = Buffer.alloc(Math.min(size, limit));
        const read = fs.readSync(fd, bytes, 0, bytes.length, 0);
        bytes = bytes.subarray(0, read);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return null;
    }
    return boundSummary(bytes, size, masker, limit);
  }

  /** Removes the file and its folder. */
  remove(): void {
    fs.rmSync(path.dirname(this.path), { recursive: true, force: true });
  }
}

function summaryPath(parent: string | null, runId: string): string {
  return path.join(summaryFolder(parent, runId), FILE_NAME);
}

function summaryFolder(parent: string | null, runId: string): string {
  return path.join(parent ?? os.tmpdir(), `${FOLDER_PREFIX}${runId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
}

/**
 * Removes the summary folder of a run whose owner died (store/maintenance.ts, when it marks the
 * run interrupted). Its text is not kept: the secrets to mask it with died with the owner.
 */
export function removeSummaryOf(parent: string | null, runId: string): void {
  try {
    fs.rmSync(summaryFolder(parent, runId), { recursive: true, force: true });
  } catch {
    // Left behind: it is the run's own folder, nothing reads it.
  }
}

/**
 * The summary as stored: cut at the last whole line within `limit` (a secret on the line cut
 * in half would otherwise escape the masker), masked, and followed by a note when cut.
 * `size` is the file's whole size.
 */
export function boundSummary(bytes: Buffer, size: number, masker: SecretMasker, limit = STEP_SUMMARY_LIMIT_BYTES): string | null {
  let kept = bytes.subarray(0, Math.min(bytes.length, limit));
  const cut = size > kept.length;
  if (cut) {
    const lastNewline = kept.lastIndexOf(10);
    kept = lastNewline >= 0 ? kept.subarray(0, lastNewline + 1) : Buffer.alloc(0);
  }
  const text = masker.maskText(kept.toString('utf8'));
  if (!cut) return text.trim() === '' ? null : text;
  const note = `> **Note:** StepFlow kept the first ${formatBytes(kept.length)} of this summary; the script wrote ${formatBytes(size)} (the limit is ${formatBytes(limit)}, as on GitHub).`;
  return `${text.replace(/\n*$/, '')}\n\n${note}\n`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`;
}
