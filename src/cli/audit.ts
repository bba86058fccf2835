import { keepNewFilesPrivate } from '../platform/file-modes';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AsOf } from '../audit/as-of';
import { AuditEvents } from '../audit/audit-events';
import { exportLines, ExportQuery } from '../audit/audit-export';
import { AuditVerification } from '../audit/audit-verification';
import { AuditCheckpoints } from '../audit/checkpoints';
import { AppConfig } from '../config/app-config';
import { SigningKeys } from '../keys/signing-keys';
import type { EventStore } from '../platform/event-store/event-store';
import { physicalCollection } from '../platform/projections/projection';
import { compareReadModels, rebuildProjection } from '../platform/projections/rebuild';
import { PersonalDataEventStore } from '../platform/personal-data/personal-data-event-store';
import { openEventStore, openPersonalDataKeys, openReadStore } from '../platform/storage';
import { userPersonalData } from '../users/user.events';
import { projections } from '../projections';
import { errorMessage } from '../platform/logging/error-message';

const USAGE = `usage: npm run audit -- <command> [options]

Reads the audit trail straight from the event store configured by the environment (DATA_DIR, or
EVENTSTORE_CONNECTION_STRING), or from a running service with --url and AUDIT_TOKEN.

commands
  events  [filters] [--limit N]     events in global order, as JSON lines
  export  [filters] [--format ndjson|csv] [--out FILE]
                                    every matching event, streamed
  as-of   user|client <id> --at <ISO instant>
                                    the aggregate as it stood then
  verify                            check every stream's hash chain and every signed checkpoint
  replay                            rebuild every read model into fresh collections and compare
                                    them with the live ones (embedded or MongoDB read store)

filters   --stream S --category C --type T (repeatable) --actor ID --actor-kind K --company-id ID
          --client-id ID --user-id ID --from ISO --to ISO --after POSITION
remote    --url http://host:3000, with AUDIT_TOKEN=<admin key or audit:read token> in the environment
          (not an argument: every local user can read a process's arguments)

exit codes: 0 done (verify: clean), 1 verify found breaks or replay found differences, 2 usage or failure
`;

const OPTIONS = {
  help: { type: 'boolean' },
  stream: { type: 'string' },
  category: { type: 'string' },
  type: { type: 'string', multiple: true },
  actor: { type: 'string' },
  'actor-kind': { type: 'string' },
  'company-id': { type: 'string' },
  'client-id': { type: 'string' },
  'user-id': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  after: { type: 'string' },
  limit: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  at: { type: 'string' },
  url: { type: 'string' },
  /** Refused with a pointer to AUDIT_TOKEN, rather than left to parseArgs' "unknown option". */
  token: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  keepNewFilesPrivate();
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, ...rest] = positionals;
  if (values.help || !command) return (process.stdout.write(USAGE), command ? 0 : 2);
  const query = filters(values);
  if (values.url) return remote(command, rest, values, query);
  const config = AppConfig.fromEnvironment(process.env);
  // As the service reads them: personal values opened, or `[erased]` (verify reads them as stored).
  const events = new PersonalDataEventStore(openEventStore(config), openPersonalDataKeys(config), userPersonalData);
  try {
    switch (command) {
      case 'events': {
        const page = await new AuditEvents(events).page(query, undefined);
        for (const item of page.items) print(JSON.stringify(item));
        if (page.nextCursor) process.stderr.write(`more: --after ${page.nextCursor}\n`);
        return 0;
      }
      case 'export':
        return await exportTo(
          exportLines(withProgress(new AuditEvents(events).scan(query, undefined)), values.format === 'csv'),
          values.out,
        );
      case 'as-of': {
        const [kind, id] = rest;
        if (!values.at || !id || (kind !== 'user' && kind !== 'client'))
          throw new UsageError('as-of user|client <id> --at <instant>');
        const asOf = new AsOf(events);
        print(
          JSON.stringify(
            kind === 'user' ? await asOf.user(id, values.at, undefined) : await asOf.client(id, values.at, undefined),
          ),
        );
        return 0;
      }
      case 'verify':
        return report(await verification(config, events.stored).verify());
      case 'replay':
        return await replay(config, events);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await events.close();
  }
}

/** The same questions, asked of a running service over HTTP. */
async function remote(command: string, rest: string[], values: Values, query: ExportQuery): Promise<number> {
  if (values.token !== undefined)
    throw new UsageError(
      "pass the credential in AUDIT_TOKEN, not --token: every local user can read a process's arguments",
    );
  const token = process.env.AUDIT_TOKEN;
  if (!token) throw new UsageError('--url needs AUDIT_TOKEN (the admin key or an audit:read token) in the environment');
  const base = values.url!.replace(/\/$/, '');
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : [value])
      if (one !== undefined) parameters.append(name, String(one));
  }
  const path =
    command === 'events'
      ? 'events'
      : command === 'export'
        ? 'export'
        : command === 'verify'
          ? 'verify'
          : command === 'as-of' && (rest[0] === 'user' || rest[0] === 'client') && rest[1]
            ? `${rest[0]}s/${encodeURIComponent(rest[1])}/as-of?at=${encodeURIComponent(values.at ?? '')}`
            : undefined;
  if (!path) throw new UsageError(`${command} is not available remotely`);
  const url = `${base}/api/admin/audit/${path}${path.includes('?') || parameters.size === 0 ? '' : `?${parameters}`}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  if (command === 'export') return exportTo(response.body!, values.out);
  const body = (await response.json()) as { ok: boolean; events: number; breaks: unknown[]; items: unknown[] };
  if (command === 'verify') return report(body);
  if (command === 'events') for (const item of body.items) print(JSON.stringify(item));
  else print(JSON.stringify(body));
  return 0;
}

function filters(values: Values): ExportQuery {
  const query = plainToInstance(ExportQuery, {
    stream: values.stream,
    category: values.category,
    type: values.type,
    actor: values.actor,
    actorKind: values['actor-kind'],
    companyId: values['company-id'],
    clientId: values['client-id'],
    userId: values['user-id'],
    from: values.from,
    to: values.to,
    after: values.after,
    limit: values.limit === undefined ? undefined : Number(values.limit),
    format: values.format,
  });
  const problems = validateSync(query, { skipUndefinedProperties: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}),
  );
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
}

function verification(config: AppConfig, events: EventStore): AuditVerification {
  return new AuditVerification(events, new AuditCheckpoints(events, new SigningKeys(config, events)));
}

function report(result: { ok: boolean; events: number; breaks: unknown[] }): number {
  print(JSON.stringify(result, null, 2));
  return result.ok ? 0 : 1;
}

async function replay(config: AppConfig, events: EventStore): Promise<number> {
  const reads = openReadStore(config);
  let differing = 0;
  try {
    for (const projection of projections) {
      const result = await rebuildProjection(events, reads, projection, { suffix: '_replay' });
      const differences = await compareReadModels(reads, projection, '_replay', config.grantsPrunedBefore());
      differing += differences.length;
      print(
        JSON.stringify({
          projection: projection.name,
          events: result.events,
          differences: differences.length,
          first: differences.slice(0, 5),
        }),
      );
      for (const collection of Object.keys(projection.collections)) {
        await reads.dropCollection(physicalCollection(projection, collection, '_replay'));
      }
    }
  } finally {
    await reads.close();
  }
  return differing === 0 ? 0 : 1;
}

async function exportTo(lines: AsyncIterable<string | Uint8Array>, out: string | undefined): Promise<number> {
  const target: Writable = out ? createWriteStream(out) : process.stdout;
  for await (const line of lines) {
    if (!target.write(line)) await new Promise((resolve) => target.once('drain', resolve));
  }
  if (out)
    await new Promise<void>((resolve, reject) =>
      target.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  return 0;
}

/** Progress on stderr every 10,000 events, so long exports show they are moving. */
async function* withProgress<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  let count = 0;
  for await (const item of items) {
    yield item;
    if (++count % 10_000 === 0) process.stderr.write(`${count} events…\n`);
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

// `npm run audit -- export | head`: a reader that has seen enough is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 2));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit: ${errorMessage(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`\n${USAGE}`);
    process.exit(2);
  },
);
