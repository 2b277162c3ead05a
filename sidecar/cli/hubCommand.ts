// `stepflow hub token create|list|revoke` (on the hub's database) and `stepflow hub
// push|status` (this machine's outbox). A bundle of its own (dist/sidecar-hub.js): the
// PostgreSQL client is loaded only here and by `stepflow serve --hub`.
import * as os from 'node:os';
import * as path from 'node:path';
import { HubStore } from '../hub/hubStore';
import { resolveHubTarget } from '../hub/hubTarget';
import { shipOutbox } from '../hub/shipper';
import { loadProjectConfig } from '../runs/profiles';
import { UserError } from '../util/errors';
import { numberOption, parseArgs, stringOption } from './args';
import { openCliStore } from './context';
import { USAGES } from './usage';

const USAGE = USAGES.hub!.synopsis;

export async function hubCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { hub: { value: true }, name: { value: true }, 'hub-url': { value: true }, timeout: { value: true }, db: { value: true } });
  const [what, action, ...rest] = args.positionals;
  if (what === 'token') {
    const store = await HubStore.open(hubDatabase(stringOption(args, 'hub')));
    try {
      if (action === 'create' && rest.length === 0) {
        const name = stringOption(args, 'name') ?? os.hostname();
        const { id, token } = await store.createToken(name);
        process.stdout.write(`${token}\n`);
        process.stderr.write(`token ${id} for "${name}" created; it is shown only this once (the hub keeps its hash)\n`);
        return 0;
      }
      if (action === 'list' && rest.length === 0) {
        for (const t of await store.listTokens()) process.stdout.write(`${t.id}\t${t.name}\tcreated ${t.createdAt}${t.revokedAt ? `\trevoked ${t.revokedAt}` : ''}\n`);
        return 0;
      }
      if (action === 'revoke' && rest.length === 1 && /^\d+$/.test(rest[0]!)) {
        if (!(await store.revokeToken(Number(rest[0])))) throw new UserError(`no live token with id ${rest[0]}`);
        process.stderr.write(`token ${rest[0]} revoked (hubs that cached it refuse it within 30 s)\n`);
        return 0;
      }
    } finally {
      await store.close();
    }
  }
  if ((what === 'push' || what === 'status') && action === undefined) {
    const store = openCliStore(args, what === 'push' ? 'write' : 'read');
    try {
      if (what === 'status') {
        process.stdout.write(`${store.hubOutboxSize()} finished runs wait for the hub\n`);
        return 0;
      }
      const target = resolveHubTarget({ url: stringOption(args, 'hub-url'), projectUrl: loadProjectConfig(process.cwd()).hubUrl });
      if (target === undefined) throw new UserError('no hub configured: --hub-url URL, $STEPFLOW_HUB_URL or "hub": {"url": …} in stepflow.json');
      if ('problem' in target) throw new UserError(target.problem);
      const timeoutSec = numberOption(args, 'timeout') ?? 60;
      const deadline = Date.now() + timeoutSec * 1000;
      let delivered = 0;
      let result = await shipOutbox(store, target, { ignoreBackoff: true, deadline });
      delivered += result.delivered;
      // Until the outbox is empty or the time is up: a hub that is restarting comes back.
      while (result.pending > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        result = await shipOutbox(store, target, { ignoreBackoff: true, deadline });
        delivered += result.delivered;
      }
      process.stdout.write(`${delivered} runs delivered to ${target.url}; ${result.pending} wait in the outbox${result.error ? ` (${result.error})` : ''}\n`);
      return result.pending === 0 ? 0 : 1;
    } finally {
      store.close();
    }
  }
  throw new UserError(`usage: ${USAGE}`);
}

/** --hub, else $STEPFLOW_HUB_DATABASE, else ./stepflow.json's "hub": {"database": …}. */
export function hubDatabase(option: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const url = option ?? (env.STEPFLOW_HUB_DATABASE?.trim() || undefined) ?? loadProjectConfig(path.resolve(cwd)).hubDatabase;
  if (!url) throw new UserError('which hub database? --hub postgres://…, $STEPFLOW_HUB_DATABASE or "hub": {"database": …} in ./stepflow.json');
  return url;
}
