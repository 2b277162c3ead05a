// Marker keywords, META keys and the edit distance used to recognise misspellings.
import { KNOWN_META_KEYS } from '../../protocol/markers';

export const MARKER_KEYWORDS = ['STEP_START', 'STEP_COMPLETE', 'STEP_ERROR', 'STEP_WARNING', 'ARTIFACT', 'META'] as const;
export type MarkerKeyword = (typeof MARKER_KEYWORDS)[number];

export const META_KEYS: readonly string[] = KNOWN_META_KEYS;

const KEYWORD_SET = new Set<string>(MARKER_KEYWORDS);

export function isMarkerKeyword(word: string): word is MarkerKeyword {
  return KEYWORD_SET.has(word);
}

/** What each marker is for, shown in completion and hover. */
export const KEYWORD_DOCS: Record<MarkerKeyword, { syntax: string; doc: string }> = {
  STEP_START: { syntax: 'STEP_START:<name>', doc: 'Opens a step. Opened while another step is open, it becomes that step’s child.' },
  STEP_COMPLETE: {
    syntax: 'STEP_COMPLETE:<name>',
    doc: 'Closes the open step with that name as succeeded (and its open children first). An empty name closes the innermost step.',
  },
  STEP_ERROR: {
    syntax: 'STEP_ERROR:<message>',
    doc: 'Marks the innermost open step failed and closes it. A leading `path:line[:col]:` puts the error at that location.',
  },
  STEP_WARNING: { syntax: 'STEP_WARNING:<message>', doc: 'A non-fatal warning on the innermost open step (same location rule as STEP_ERROR).' },
  ARTIFACT: { syntax: 'ARTIFACT:<path>[:<description>]', doc: 'Records a file the current step produced; relative paths resolve against the run’s directory.' },
  META: {
    syntax: 'META:<KEY>:<value>',
    doc: 'Metadata on the innermost open step (or the run): ESTIMATED_DURATION (seconds), DESCRIPTION, PROGRESS (0–100), or a key of your own.',
  },
};

export const META_KEY_DOCS: Record<string, string> = {
  ESTIMATED_DURATION: 'Expected duration in seconds; drives the ETA when there is no history.',
  DESCRIPTION: 'A description of the step (or of the run, outside any step).',
  PROGRESS: 'Progress inside the step, 0–100.',
};

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions), capped. */
export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    let rowMin = Infinity;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > cap) return cap + 1;
  }
  return d[a.length]![b.length]!;
}

/**
 * The keyword a word was probably meant to be, or null. Conservative, because ordinary
 * output looks like markers too ("Artifact: app.zip", "BETA: on", "ARTIFACTS: 3"):
 * - STEP_ keywords: a word with a '_' or '-' (any case) or all upper case, ≤ 2 edits;
 * - ARTIFACT: an all upper-case word, ≤ 2 edits, not the plural;
 * - META is too short to guess (DATA, BETA, MEGA…).
 */
export function misspeltKeyword(word: string): MarkerKeyword | null {
  if (isMarkerKeyword(word) || word.length < 6 || word.length > 16) return null;
  const upper = word.toUpperCase().replace(/-/g, '_');
  const allUpper = word === word.toUpperCase();
  const stepLike = /[_-]/.test(word) || allUpper;
  let best: MarkerKeyword | null = null;
  let bestDistance = 3;
  for (const keyword of MARKER_KEYWORDS) {
    if (keyword === 'META') continue;
    if (keyword === 'ARTIFACT' ? !allUpper || upper === 'ARTIFACTS' : !stepLike) continue;
    const distance = editDistance(upper, keyword, 2);
    if (distance < bestDistance) {
      best = keyword;
      bestDistance = distance;
    }
  }
  return bestDistance <= 2 ? best : null;
}

/** The known META key a key was probably meant to be (case or up to 2 edits), or null. */
export function misspeltMetaKey(key: string): string | null {
  if (META_KEYS.includes(key)) return null;
  const upper = key.toUpperCase();
  for (const known of META_KEYS) {
    if (upper === known) return known;
  }
  for (const known of META_KEYS) {
    if (editDistance(upper, known, 2) <= (known.length >= 8 ? 2 : 1)) return known;
  }
  return null;
}
