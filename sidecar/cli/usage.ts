// One line of usage per command, for `stepflow help` and the commands' own errors. Kept
// apart from the commands so the help text does not load them (serve pulls in the whole
// HTTP/WebSocket stack, which `stepflow run` should not pay for at start-up).
export const RUN_USAGE = 'stepflow run <script> [args…] [--profile NAME] [--cwd DIR] [--timeout SEC] [--db PATH] [--json]';
export const REPORT_USAGE = 'stepflow report <runId> [--html FILE | --markdown FILE] [--read-only]';
export const SERVE_USAGE = 'stepflow serve [--port N] [--host 127.0.0.1] [--db PATH] [--read-only]';
