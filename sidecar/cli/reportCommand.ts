// `stepflow report <runId> [--html FILE | --markdown FILE]`: a run report, Markdown on stdout
// by default. FILE `-` means stdout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadReportData } from '../report/reportData';
import { renderHtmlReport } from '../report/html';
import { renderMarkdownReport } from '../report/markdown';
import { UserError } from '../util/errors';
import { parseArgs, stringOption } from './args';
import { openCliStore } from './context';
import { REPORT_USAGE } from './usage';

export async function reportCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { html: { value: true }, markdown: { value: true }, db: { value: true } });
  const id = args.positionals[0];
  if (!id) throw new UserError(`missing run id — usage: ${REPORT_USAGE}`);
  if (args.positionals.length > 1) throw new UserError(`unexpected argument "${args.positionals[1]}" — usage: ${REPORT_USAGE}`);
  const htmlFile = stringOption(args, 'html');
  const mdFile = stringOption(args, 'markdown');
  if (htmlFile !== undefined && mdFile !== undefined) throw new UserError(`choose one of --html and --markdown — usage: ${REPORT_USAGE}`);
  const store = openCliStore(args);
  let content: string;
  try {
    const data = loadReportData(store, id);
    content = htmlFile !== undefined ? renderHtmlReport(data) : renderMarkdownReport(data);
  } finally {
    store.close();
  }
  const file = htmlFile ?? mdFile;
  if (file === undefined || file === '-') {
    process.stdout.write(content);
    return 0;
  }
  const target = path.resolve(file);
  try {
    fs.writeFileSync(target, content);
  } catch (err) {
    throw new UserError(`cannot write ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  process.stderr.write(`report written to ${target}\n`);
  return 0;
}
