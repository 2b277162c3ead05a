// Where the log viewer's rows are: fixed-height rows map a scroll offset to line numbers in
// O(1). Browsers cap element heights (~33M px in Chromium), so beyond MAX_SCROLL_PX the
// scrollbar maps proportionally onto the lines instead of one row per ROW pixels.

/** Height of one log row, px. */
export const ROW = 18;
const MAX_SCROLL_PX = 8_000_000;

/** What the geometry depends on: the log's length and the scroller's position and height. */
export interface LogView {
  lineCount: number;
  viewTop: number;
  viewHeight: number;
}

function contentHeight(lineCount: number): number {
  return lineCount * ROW + 4;
}

/** The scroller's content height (capped). */
export function totalHeight(lineCount: number): number {
  return Math.min(contentHeight(lineCount), MAX_SCROLL_PX);
}

/** Whether the scrollbar maps proportionally (the log is taller than the cap). */
export function isScaled(lineCount: number): boolean {
  return contentHeight(lineCount) > MAX_SCROLL_PX;
}

function visibleRows(viewHeight: number): number {
  return Math.ceil(viewHeight / ROW) + 1;
}

/** First visible line (1-based) and how many to render. */
export function visibleWindow(view: LogView): [number, number] {
  const rows = visibleRows(view.viewHeight);
  if (!isScaled(view.lineCount)) return [Math.max(1, Math.floor(view.viewTop / ROW) + 1), rows];
  const maxScroll = Math.max(1, totalHeight(view.lineCount) - view.viewHeight);
  const span = Math.max(0, view.lineCount - rows + 2);
  return [1 + Math.round((Math.min(view.viewTop, maxScroll) / maxScroll) * span), rows];
}

/** How far the rendered rows, starting at line `first`, are shifted up inside the sticky viewport. */
export function rowsOffset(view: LogView, first: number): number {
  return isScaled(view.lineCount) ? 0 : view.viewTop - (first - 1) * ROW;
}

/** The scrollTop that shows `line` a third down the view. */
export function scrollTopFor(view: LogView, line: number): number {
  if (!isScaled(view.lineCount)) return (line - 1) * ROW - view.viewHeight / 3;
  const rows = visibleRows(view.viewHeight);
  const span = Math.max(1, view.lineCount - rows + 2);
  return ((line - 1 - rows / 3) / span) * (totalHeight(view.lineCount) - view.viewHeight);
}
