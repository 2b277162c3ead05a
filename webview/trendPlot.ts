// The geometry of a step's duration trend (sf-trend): the latest durations as points on a
// line, the mean and its ±σ band, "nice" y ticks from 0, and this run's own duration in a
// column of its own at the right. Pure numbers in SVG user units, so the unit suite checks
// them without a browser.

export interface TrendInput {
  /** Oldest first. */
  durationsMs: readonly number[];
  meanMs: number;
  stdDevMs: number | null;
  /** The selected run's duration of the step, when it has one. */
  currentMs: number | null;
}

export interface TrendPoint {
  x: number;
  y: number;
  ms: number;
}

export interface TrendTick {
  y: number;
  ms: number;
}

export interface TrendPlot {
  width: number;
  height: number;
  /** The plot area (inside the axis labels). */
  left: number;
  right: number;
  top: number;
  bottom: number;
  points: TrendPoint[];
  /** `points` attribute of the polyline joining the points. */
  line: string;
  meanY: number;
  /** Mean ± σ as a rectangle's top and bottom; null without σ. */
  band: { top: number; bottom: number } | null;
  current: TrendPoint | null;
  ticks: TrendTick[];
}

const WIDTH = 560;
const HEIGHT = 170;
const MARGIN = { left: 60, right: 16, top: 10, bottom: 22 };
/** Room for this run's point, apart from the history it is compared with. */
const CURRENT_COLUMN = 56;
const TICKS = 4;

export function trendPlot(input: TrendInput): TrendPlot {
  const { durationsMs, meanMs, currentMs } = input;
  const sigma = input.stdDevMs !== null && input.stdDevMs > 0 ? input.stdDevMs : null;
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  const highest = Math.max(1, meanMs + (sigma ?? 0), currentMs ?? 0, ...durationsMs);
  // Durations are whole milliseconds and labelled so: a finer step would label two ticks "0 ms".
  const step = Math.max(1, niceStep(highest / TICKS));
  const yMax = Math.ceil(highest / step) * step;
  const y = (ms: number) => bottom - (Math.min(Math.max(ms, 0), yMax) / yMax) * (bottom - top);

  const historyRight = currentMs !== null ? right - CURRENT_COLUMN : right;
  const n = durationsMs.length;
  const x = (i: number) => (n === 1 ? (left + historyRight) / 2 : left + (i * (historyRight - left)) / (n - 1));
  const points = durationsMs.map((ms, i) => ({ x: round(x(i)), y: round(y(ms)), ms }));

  const ticks: TrendTick[] = [];
  for (let ms = 0; ms <= yMax + step / 2; ms += step) ticks.push({ y: round(y(ms)), ms });

  return {
    width: WIDTH,
    height: HEIGHT,
    left,
    right,
    top,
    bottom,
    points,
    line: points.map((p) => `${p.x},${p.y}`).join(' '),
    meanY: round(y(meanMs)),
    band: sigma !== null ? { top: round(y(meanMs + sigma)), bottom: round(y(meanMs - sigma)) } : null,
    current: currentMs !== null ? { x: right - CURRENT_COLUMN / 2, y: round(y(currentMs)), ms: currentMs } : null,
    ticks,
  };
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at least `raw` (tick spacing people read easily). */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
