// Codicon glyphs by name. The codicon font is loaded once by the page (codicon.css's
// @font-face works across shadow roots, its class rules do not), and <sf-icon> renders the
// glyph itself. test/unit/webview.test.ts checks these code points against the installed
// @vscode/codicons.
export const CODICONS = {
  pass: 0xeba4,
  error: 0xea87,
  'circle-slash': 0xeabd,
  loading: 0xeb19,
  warning: 0xea6c,
  info: 0xea74,
  search: 0xea6d,
  filter: 0xeaf1,
  refresh: 0xeb37,
  history: 0xea82,
  'list-tree': 0xeb86,
  file: 0xea7b,
  'go-to-file': 0xea94,
  'cloud-download': 0xeac2,
  copy: 0xebcc,
  'compare-changes': 0xeafd,
  'debug-stop': 0xead7,
  'chevron-right': 0xeab6,
  'chevron-down': 0xeab4,
  'circle-outline': 0xeabc,
  'clear-all': 0xeabf,
  close: 0xea76,
  output: 0xeb9d,
  'graph-line': 0xebe2,
  watch: 0xeb7c,
  'arrow-down': 0xea9a,
  'arrow-up': 0xeaa1,
  'link-external': 0xeb14,
  calendar: 0xeab0,
  'debug-pause': 0xead1,
  'fold-down': 0xeaf3,
  'symbol-string': 0xeb8d,
} as const;

export type IconName = keyof typeof CODICONS;
