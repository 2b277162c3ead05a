// "▶ Run with StepFlow" and "Run with profile…" at the top of every runnable script.
// Served by the language server so the editor needs no knowledge of what is runnable.
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { RUN_FILE_COMMAND, RUN_WITH_PROFILE_COMMAND } from '../protocol/lsp';

const RUNNABLE_EXTENSIONS = new Set(['.sh', '.bash', '.zsh', '.py', '.js', '.mjs', '.cjs', '.ts', '.ps1', '.rb', '.pl']);

export function isRunnableScript(document: TextDocument): boolean {
  if (!document.uri.startsWith('file:')) return false;
  const dot = document.uri.lastIndexOf('.');
  const slash = document.uri.lastIndexOf('/');
  if (dot > slash && RUNNABLE_EXTENSIONS.has(document.uri.slice(dot).toLowerCase())) return true;
  return document.getText({ start: { line: 0, character: 0 }, end: { line: 0, character: 2 } }) === '#!';
}

export function runLenses(document: TextDocument): CodeLens[] {
  if (!isRunnableScript(document)) return [];
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return [
    { range, command: { title: '▶ Run with StepFlow', command: RUN_FILE_COMMAND, arguments: [document.uri] } },
    { range, command: { title: 'Run with profile…', command: RUN_WITH_PROFILE_COMMAND, arguments: [document.uri] } },
  ];
}
