import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { agentDecider, agentStream } from '../../src/agents/agent.decider';
import { AsOf } from '../../src/audit/as-of';
import { IndexedAuditEvents } from '../../src/audit/audit-index';
import { auditIndexProjection } from '../../src/audit/audit-index.projection';
import { AuditEvents, type AuditItem, toAuditItem } from '../../src/audit/audit-events';
import type { AuditEventsQuery } from '../../src/audit/audit-filter';
import { clientDecider, clientStream } from '../../src/clients/client.decider';
import { CLIENT_SCOPES, type ClientScope, type ClientType } from '../../src/clients/client.events';
import { companyDecider, companyStream } from '../../src/companies/company.decider';
import { DomainError } from '../../src/platform/domain/domain-error';
import {
  ACTOR_KINDS,
  type ActorKind,
  type EventMetadata,
  type EventStore,
  type RecordedEvent,
} from '../../src/platform/event-store/event-store';
import { decideOnStream, loadAggregate } from '../../src/platform/event-store/decide-on-stream';
import { formatPosition } from '../../src/platform/event-store/position';
import { ProblemException } from '../../src/platform/http/problem-details';
import { SqliteEventStore } from '../../src/platform/event-store/sqlite-event-store';
import { ProjectionRunner } from '../../src/platform/projections/projection-runner';
import { compareReadModels, rebuildProjection } from '../../src/platform/projections/rebuild';
import { SqliteReadStore } from '../../src/platform/read-store/sqlite-read-store';
import { projections } from '../../src/projections';
import { userDecider, userStream } from '../../src/users/user.decider';
import { USER_ROLES, type UserRole } from '../../src/users/user.events';
import { temporaryDirectory } from '../support/temporary-directory';

/**
 * Property-based tests of the audit trail over randomized histories: sequences of admin commands
 * (companies, agents, users with licence seats, clients) decided by the real deciders and appended
 * through `decideOnStream` to the embedded SQLite store. Commands a decider refuses are skipped, as
 * the admin would have been refused.
 */

/** Modest by default, to keep the suite fast; raise it (`AUDIT_PROPERTY_RUNS=500`) to search harder. */
const NUM_RUNS = Number(process.env.AUDIT_PROPERTY_RUNS ?? 25);
const TEST_TIMEOUT_MS = 120_000;
/**
 * Shrinking re-applies whole histories, thousands of times: past the time limit fast-check stops
 * and reports the smallest counterexample found so far (a failure stays a failure).
 */
const RUN_OPTIONS = { numRuns: NUM_RUNS, interruptAfterTimeLimit: 60_000 };

// ---------------------------------------------------------------------------------------------
// Histories
// ---------------------------------------------------------------------------------------------

type Op =
  | { kind: 'registerCompany'; c: number; name: string; licenses: number | null }
  | { kind: 'changeCompany'; c: number; name?: string; licenses?: number | null }
  | { kind: 'registerAgent'; a: number; c: number; name: string; maxMessages: number; temperature: number }
  | { kind: 'retireAgent'; a: number }
  | { kind: 'registerUser'; u: number; c: number; role: UserRole; firstName: string; lastName: string }
  | { kind: 'grantAgent'; u: number; a: number }
  | { kind: 'revokeAgent'; u: number; a: number }
  | { kind: 'setDefaultAgent'; u: number; a: number }
  | { kind: 'changeUser'; u: number; role?: UserRole; firstName?: string }
  | { kind: 'chatSettings'; u: number; maxMessages?: number | null; temperature?: number | null }
  | { kind: 'activation'; u: number; active: boolean }
  | { kind: 'revokeUserTokens'; u: number }
  | {
      kind: 'registerClient';
      cl: number;
      c: number;
      clientType: ClientType;
      uris: string[];
      scopes: ClientScope[];
      allowUserTokens: boolean;
    }
  | { kind: 'redirectUri'; cl: number; uri: string; add: boolean }
  | { kind: 'clientStatus'; cl: number; enabled: boolean }
  | { kind: 'rotateSecret'; cl: number }
  | { kind: 'revokeClientTokens'; cl: number };

/** Whose company the envelope names: the aggregate's own (as the app does), none, or another one. */
type MetaCompany = 'own' | 'none' | number;

interface Step {
  readonly op: Op;
  readonly actor: number;
  readonly metaCompany: MetaCompany;
  /** Added to "now" for the command's `now` and the envelope's `at`. */
  readonly skewMs: number;
  /** Sleep a little before the step, so that recording instants differ. */
  readonly pause: boolean;
}

interface History {
  readonly companyIds: string[];
  readonly userIds: string[];
  readonly clientIds: string[];
  readonly agentIds: string[];
  readonly actors: Array<{ kind: ActorKind; id: string }>;
  readonly steps: Step[];
}

const EVENT_TYPES = [
  'CompanyRegistered',
  'CompanyRenamed',
  'CompanyUserLicensesChanged',
  'CompanyUserSeatAssigned',
  'CompanyUserSeatReleased',
  'AgentRegistered',
  'AgentSettingsChanged',
  'AgentRetired',
  'UserRegistered',
  'UserGrantedAgent',
  'UserAgentRevoked',
  'UserDefaultAgentSet',
  'UserDefaultAgentCleared',
  'UserChatSettingsChanged',
  'UserProfileChanged',
  'UserRoleChanged',
  'UserDeactivated',
  'UserReactivated',
  'UserTokensRevoked',
  'ClientRegistered',
  'RedirectUriAdded',
  'RedirectUriRemoved',
  'ClientSecretRotated',
  'ClientDisabled',
  'ClientEnabled',
  'ClientTokensRevoked',
  'NoSuchEvent',
];

/** Mostly valid redirect URIs, and one plain-http non-loopback URI the decider refuses. */
const URIS = [
  'https://app.example.com/callback',
  'https://app.example.com/callback2',
  'http://localhost:8080/cb',
  'http://127.0.0.1/cb',
  'http://evil.example.com/cb',
];

const index = fc.nat({ max: 99 });
const name = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('Ada', 'Grace', 'Linus', 'Acme', ' Zed ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const licenses = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(-1) }, // refused
);
const role = fc.constantFrom(...USER_ROLES);

const registrations: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('registerCompany' as const), c: index, name, licenses }),
  fc.record({
    kind: fc.constant('registerUser' as const),
    u: index,
    c: index,
    role,
    firstName: name,
    lastName: name,
  }),
  fc.record({
    kind: fc.constant('registerAgent' as const),
    a: index,
    c: index,
    name,
    maxMessages: fc.integer({ min: 1, max: 50 }),
    temperature: fc.constantFrom(0, 0.7, 1.5),
  }),
  fc
    .record({
      kind: fc.constant('registerClient' as const),
      cl: index,
      c: index,
      clientType: fc.constantFrom<ClientType>('confidential', 'public'),
      uris: fc.subarray(URIS, { maxLength: 3 }),
      scopes: fc.subarray([...CLIENT_SCOPES]),
      allowUserTokens: fc.boolean(),
      // A public client asking for privileges is refused: let most of them ask for none.
      modest: fc.boolean(),
    })
    .map(({ modest, ...op }) =>
      op.clientType === 'public' && modest ? { ...op, scopes: [], allowUserTokens: false } : op,
    ),
);

const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: registrations },
  {
    weight: 1,
    arbitrary: fc.record(
      { kind: fc.constant('changeCompany' as const), c: index, name, licenses },
      { requiredKeys: ['kind', 'c'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retireAgent' as const), a: index }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('grantAgent' as const), u: index, a: index }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('revokeAgent' as const), u: index, a: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setDefaultAgent' as const), u: index, a: index }) },
  {
    weight: 2,
    arbitrary: fc.record(
      { kind: fc.constant('changeUser' as const), u: index, role, firstName: name },
      { requiredKeys: ['kind', 'u'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        kind: fc.constant('chatSettings' as const),
        u: index,
        maxMessages: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 30 })),
        temperature: fc.oneof(fc.constant(null), fc.constantFrom(0.2, 1, 3)),
      },
      { requiredKeys: ['kind', 'u'] },
    ),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('activation' as const), u: index, active: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revokeUserTokens' as const), u: index }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('redirectUri' as const),
      cl: index,
      uri: fc.constantFrom(...URIS),
      add: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('clientStatus' as const), cl: index, enabled: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotateSecret' as const), cl: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revokeClientTokens' as const), cl: index }) },
);

const step = (op: fc.Arbitrary<Op>): fc.Arbitrary<Step> =>
  fc.record({
    op,
    actor: index,
    metaCompany: fc.oneof(
      { weight: 4, arbitrary: fc.constant<MetaCompany>('own') },
      { weight: 1, arbitrary: fc.constant<MetaCompany>('none') },
      { weight: 1, arbitrary: index },
    ),
    skewMs: fc.integer({ min: -86_400_000, max: 86_400_000 }),
    pause: fc.boolean(),
  });

/** User ids from a tiny alphabet collide and prefix one another (`a`, `a-b`, `a.`): good for stream filters. */
const userId = fc.oneof(fc.stringMatching(/^[ab.:-]{1,3}$/), fc.stringMatching(/^[A-Za-z0-9._@:-]{1,24}$/), fc.uuid());

const actor = fc.oneof(
  fc.record({ kind: fc.constant<ActorKind>('admin'), id: fc.constantFrom('api-key:root', 'api-key:ops') }),
  fc.record({ kind: fc.constant<ActorKind>('client'), id: fc.uuid() }),
  fc.record({ kind: fc.constant<ActorKind>('user'), id: fc.constantFrom('alice', 'bob') }),
  fc.record({ kind: fc.constant<ActorKind>('system'), id: fc.constant('system') }),
  fc.record({ kind: fc.constant<ActorKind>('anonymous'), id: fc.uuid() }),
);

/** One registration step per pool member, for the pool member at its position. */
const registerEach = (kind: Op['kind'], key: 'c' | 'a' | 'u' | 'cl', count: number) =>
  fc
    .array(step(registrations.filter((op) => op.kind === kind)), { minLength: 6, maxLength: 6 })
    .map((steps) => steps.slice(0, count).map((s, i) => ({ ...s, op: { ...s.op, [key]: i } })));

const history: fc.Arbitrary<History> = fc
  .record({
    companyIds: fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 3 }),
    userIds: fc.uniqueArray(userId, { minLength: 1, maxLength: 6 }),
    clientIds: fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 3 }),
    agentIds: fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 3 }),
    actors: fc.array(actor, { minLength: 1, maxLength: 4 }),
  })
  .chain((pools) =>
    fc
      .tuple(
        // Every company, agent, user and client is registered (or refused) first, then anything happens.
        registerEach('registerCompany', 'c', pools.companyIds.length),
        registerEach('registerAgent', 'a', pools.agentIds.length),
        registerEach('registerUser', 'u', pools.userIds.length),
        registerEach('registerClient', 'cl', pools.clientIds.length),
        fc.array(step(anyOp), { minLength: 10, maxLength: 60, size: 'large' }),
      )
      .map((phases) => ({ ...pools, steps: phases.flat() })),
  );

/** Runs a command, or nothing when a decider refuses it (the admin would have got a 4xx). */
async function refusable<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

/** Applies the history's commands through `decideOnStream`, orchestrated as the app's handlers do. */
async function applyHistory(events: EventStore, h: History): Promise<void> {
  const pick = <T>(list: readonly T[], i: number) => list[i % list.length];
  for (const { op, actor: actorIndex, metaCompany, skewMs, pause } of h.steps) {
    if (pause) await sleep(2);
    const now = new Date(Date.now() + skewMs).toISOString();
    const metadata = (own: string | undefined): EventMetadata => {
      const companyId =
        metaCompany === 'own' ? own : metaCompany === 'none' ? undefined : pick(h.companyIds, metaCompany);
      return {
        actor: pick(h.actors, actorIndex),
        correlationId: randomUUID(),
        causationId: randomUUID(),
        ...(companyId ? { companyId } : {}),
        at: now,
        schemaVersion: 1,
      };
    };
    const seat = (type: 'AssignUserSeat' | 'ReleaseUserSeat', companyId: string, uid: string) =>
      decideOnStream(events, companyStream(companyId), companyDecider, {
        command: { type, companyId, userId: uid, now },
        metadata: metadata(companyId),
      });
    const user = async (uid: string) => (await loadAggregate(events, userStream(uid), userDecider)).state;
    const onUser = (uid: string, command: Parameters<typeof userDecider.decide>[0]) =>
      refusable(() =>
        decideOnStream(events, userStream(uid), userDecider, {
          command: command,
          metadata: (state) => metadata(state.status === 'absent' ? undefined : state.companyId),
        }),
      );
    const onClient = (clientId: string, command: Parameters<typeof clientDecider.decide>[0]) =>
      refusable(() =>
        decideOnStream(events, clientStream(clientId), clientDecider, {
          command: command,
          metadata: (state) => metadata(state.status === 'absent' ? undefined : state.companyId),
        }),
      );
    switch (op.kind) {
      case 'registerCompany': {
        const companyId = pick(h.companyIds, op.c);
        await refusable(() =>
          decideOnStream(events, companyStream(companyId), companyDecider, {
            command: { type: 'RegisterCompany', companyId, name: op.name, userLicenses: op.licenses, now },
            metadata: metadata(companyId),
          }),
        );
        break;
      }
      case 'changeCompany': {
        const companyId = pick(h.companyIds, op.c);
        const change = {
          ...(op.name !== undefined ? { name: op.name } : {}),
          ...(op.licenses !== undefined ? { userLicenses: op.licenses } : {}),
        };
        await refusable(() =>
          decideOnStream(events, companyStream(companyId), companyDecider, {
            command: { type: 'ChangeCompany', companyId, ...change, now },
            metadata: metadata(companyId),
          }),
        );
        break;
      }
      case 'registerAgent': {
        const agentId = pick(h.agentIds, op.a);
        const companyId = pick(h.companyIds, op.c);
        const { kind: _kind, a: _a, c: _c, ...settings } = op;
        await refusable(() =>
          decideOnStream(events, agentStream(agentId), agentDecider, {
            command: { type: 'RegisterAgent', agentId, companyId, ...settings, now },
            metadata: metadata(companyId),
          }),
        );
        break;
      }
      case 'retireAgent': {
        const agentId = pick(h.agentIds, op.a);
        await refusable(() =>
          decideOnStream(events, agentStream(agentId), agentDecider, {
            command: { type: 'RetireAgent', agentId, now },
            metadata: (state) => metadata(state.status === 'absent' ? undefined : state.companyId),
          }),
        );
        break;
      }
      case 'registerUser': {
        // As RegisterUserHandler: a licence seat first, given back when the registration is refused.
        const uid = pick(h.userIds, op.u);
        const companyId = pick(h.companyIds, op.c);
        if (!(await refusable(() => seat('AssignUserSeat', companyId, uid)))) break;
        const registered = await onUser(uid, {
          type: 'RegisterUser',
          userId: uid,
          companyId,
          email: `${uid}@example.com`,
          role: op.role,
          firstName: op.firstName,
          lastName: op.lastName,
          now,
        });
        if (!registered) await seat('ReleaseUserSeat', companyId, uid);
        break;
      }
      case 'grantAgent': {
        const uid = pick(h.userIds, op.u);
        const agentId = pick(h.agentIds, op.a);
        const agent = (await loadAggregate(events, agentStream(agentId), agentDecider)).state;
        const facts =
          agent.status === 'absent' ? null : { companyId: agent.companyId, retired: agent.status === 'retired' };
        await onUser(uid, { type: 'GrantAgent', userId: uid, agentId, agent: facts, now });
        break;
      }
      case 'revokeAgent': {
        const uid = pick(h.userIds, op.u);
        await onUser(uid, { type: 'RevokeAgent', userId: uid, agentId: pick(h.agentIds, op.a), now });
        break;
      }
      case 'setDefaultAgent': {
        const uid = pick(h.userIds, op.u);
        await onUser(uid, { type: 'SetDefaultAgent', userId: uid, agentId: pick(h.agentIds, op.a), now });
        break;
      }
      case 'changeUser': {
        const uid = pick(h.userIds, op.u);
        const change = {
          ...(op.role !== undefined ? { role: op.role } : {}),
          ...(op.firstName !== undefined ? { firstName: op.firstName } : {}),
        };
        await onUser(uid, { type: 'ChangeUser', userId: uid, ...change, now });
        break;
      }
      case 'chatSettings': {
        const uid = pick(h.userIds, op.u);
        const change = {
          ...(op.maxMessages !== undefined ? { maxMessages: op.maxMessages } : {}),
          ...(op.temperature !== undefined ? { temperature: op.temperature } : {}),
        };
        await onUser(uid, { type: 'ChangeChatSettings', userId: uid, ...change, now });
        break;
      }
      case 'activation': {
        // As ChangeUserActivationHandler: reactivation takes a seat first; a recorded deactivation gives it back.
        const uid = pick(h.userIds, op.u);
        const state = await user(uid);
        if (state.status === 'absent' || (state.status === 'active') === op.active) break;
        if (op.active && !(await refusable(() => seat('AssignUserSeat', state.companyId, uid)))) break;
        const result = await onUser(uid, { type: op.active ? 'ReactivateUser' : 'DeactivateUser', userId: uid, now });
        const recorded = (result?.events.length ?? 0) > 0;
        if (op.active !== recorded) await seat('ReleaseUserSeat', state.companyId, uid);
        break;
      }
      case 'revokeUserTokens': {
        const uid = pick(h.userIds, op.u);
        await onUser(uid, { type: 'RevokeUserTokens', userId: uid, now });
        break;
      }
      case 'registerClient': {
        const clientId = pick(h.clientIds, op.cl);
        const companyId = pick(h.companyIds, op.c);
        const secretHash =
          op.clientType === 'public' ? null : createHash('sha256').update(randomUUID()).digest('base64url');
        await onClient(clientId, {
          type: 'RegisterClient',
          clientId,
          companyId,
          name: `client ${op.cl}`,
          clientType: op.clientType,
          redirectUris: op.uris,
          allowUserTokens: op.allowUserTokens,
          scopes: op.scopes,
          secretHash,
          now,
        });
        break;
      }
      case 'redirectUri': {
        const clientId = pick(h.clientIds, op.cl);
        await onClient(clientId, { type: op.add ? 'AddRedirectUri' : 'RemoveRedirectUri', clientId, uri: op.uri, now });
        break;
      }
      case 'clientStatus': {
        const clientId = pick(h.clientIds, op.cl);
        await onClient(clientId, { type: op.enabled ? 'EnableClient' : 'DisableClient', clientId, now });
        break;
      }
      case 'rotateSecret': {
        const clientId = pick(h.clientIds, op.cl);
        const secretHash = createHash('sha256').update(randomUUID()).digest('base64url');
        await onClient(clientId, { type: 'RotateClientSecret', clientId, secretHash, now });
        break;
      }
      case 'revokeClientTokens': {
        const clientId = pick(h.clientIds, op.cl);
        await onClient(clientId, { type: 'RevokeClientTokens', clientId, now });
        break;
      }
    }
  }
}

/** Fresh embedded stores for one run, closed afterwards whatever happens. */
async function withStores<T>(
  run: (events: SqliteEventStore, readStore: SqliteReadStore) => Promise<T>,
  options: { readStore?: boolean } = {},
): Promise<T> {
  const directory = temporaryDirectory();
  const events = new SqliteEventStore(`${directory}/events.sqlite`);
  const readStore = options.readStore ? new SqliteReadStore(`${directory}/read-models.sqlite`) : undefined;
  try {
    return await run(events, readStore as SqliteReadStore);
  } finally {
    await readStore?.close();
    await events.close();
  }
}

const everything = (events: EventStore) => events.readAll({ limit: 1e6 });

// ---------------------------------------------------------------------------------------------
// a. audit query = direct scan
// ---------------------------------------------------------------------------------------------

/** A filter drawn against the history: ids are indexes into its pools, or into the recorded log. */
interface FilterPlan {
  readonly types?: string[];
  readonly category?: string;
  readonly stream?: number;
  readonly companyId?: number;
  readonly userId?: number;
  readonly clientId?: number;
  readonly actor?: number;
  readonly actorKind?: ActorKind;
  readonly from?: { event: number; deltaMs: number };
  readonly to?: { event: number; deltaMs: number };
  readonly after?: number;
  readonly limit?: number;
  readonly scope?: number;
}

/** Out-of-range pool indexes name something that does not exist. */
const poolIndex = fc.nat({ max: 5 });
const instant = fc.record({ event: fc.nat({ max: 200 }), deltaMs: fc.constantFrom(-1, 0, 1) });
/** Present one time in nine: a filter combines one or two conditions on average, so most match something. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const filterPlan: fc.Arbitrary<FilterPlan> = fc.record({
  types: rarely(fc.subarray(EVENT_TYPES, { minLength: 1, maxLength: 6 })),
  category: rarely(fc.constantFrom('user', 'company', 'client', 'agent', 'grant', 'us')),
  stream: rarely(fc.nat({ max: 200 })),
  companyId: rarely(poolIndex),
  userId: rarely(poolIndex),
  clientId: rarely(poolIndex),
  actor: rarely(poolIndex),
  actorKind: rarely(fc.constantFrom<ActorKind>(...ACTOR_KINDS)),
  from: rarely(instant),
  to: rarely(instant),
  after: rarely(fc.nat({ max: 200 })),
  limit: fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 7 }), fc.constant(1000)),
  scope: rarely(poolIndex),
});

function resolveFilter(
  plan: FilterPlan,
  h: History,
  log: readonly RecordedEvent[],
): { query: AuditEventsQuery; scope: string | undefined } {
  const actorIds = h.actors.map((actor) => actor.id);
  const fromPool = (pool: readonly string[], i: number | undefined) =>
    i === undefined ? undefined : (pool[i] ?? `missing-${i}`);
  const at = (when: { event: number; deltaMs: number } | undefined) =>
    when === undefined || log.length === 0
      ? undefined
      : new Date(Date.parse(log[when.event % log.length].recordedAt) + when.deltaMs).toISOString();
  const query: AuditEventsQuery = {
    ...(plan.types ? { type: plan.types } : {}),
    ...(plan.category ? { category: plan.category } : {}),
    ...(plan.stream !== undefined && log.length > 0 ? { stream: log[plan.stream % log.length].stream } : {}),
    ...(plan.companyId !== undefined ? { companyId: fromPool(h.companyIds, plan.companyId) } : {}),
    ...(plan.userId !== undefined ? { userId: fromPool(h.userIds, plan.userId) } : {}),
    ...(plan.clientId !== undefined ? { clientId: fromPool(h.clientIds, plan.clientId) } : {}),
    ...(plan.actor !== undefined ? { actor: fromPool(actorIds, plan.actor) } : {}),
    ...(plan.actorKind ? { actorKind: plan.actorKind } : {}),
    ...(at(plan.from) ? { from: at(plan.from) } : {}),
    ...(at(plan.to) ? { to: at(plan.to) } : {}),
    ...(plan.after !== undefined && log.length > 0
      ? { after: formatPosition(log[plan.after % log.length].position) }
      : {}),
    ...(plan.limit !== undefined ? { limit: plan.limit } : {}),
  };
  return { query, scope: fromPool(h.companyIds, plan.scope) };
}

/** The reference: the documented meaning of each filter, written out over the whole log. */
function referenceFilter(
  log: readonly RecordedEvent[],
  query: AuditEventsQuery,
  scope: string | undefined,
): RecordedEvent[] {
  const start = query.after === undefined ? 0 : log.findIndex((e) => formatPosition(e.position) === query.after) + 1;
  return log.slice(start).filter((event) => {
    const data = (event.data ?? {}) as Record<string, unknown>;
    const { metadata } = event;
    const category = event.stream.split('-')[0];
    const time = new Date(event.recordedAt).getTime();
    const conditions = [
      scope === undefined || metadata.companyId === scope,
      query.stream === undefined || event.stream === query.stream,
      query.category === undefined || category === query.category,
      query.type === undefined || query.type.includes(event.type),
      query.actor === undefined || metadata.actor.id === query.actor,
      query.actorKind === undefined || metadata.actor.kind === query.actorKind,
      query.companyId === undefined || metadata.companyId === query.companyId,
      query.clientId === undefined || data.clientId === query.clientId || event.stream === `client-${query.clientId}`,
      query.userId === undefined || data.userId === query.userId || event.stream === `user-${query.userId}`,
      query.from === undefined || time >= new Date(query.from).getTime(),
      query.to === undefined || time <= new Date(query.to).getTime(),
    ];
    return conditions.every(Boolean);
  });
}

// ---------------------------------------------------------------------------------------------
// b. as-of = fold of the prefix
// ---------------------------------------------------------------------------------------------

/** An instant: a recording time of the log, or a millisecond either side of it. */
const instantPlan = fc.record({ time: fc.nat({ max: 200 }), deltaMs: fc.constantFrom(-1, 0, 0, 1) });

/** What an `AsOf` call answered: the value, or the HTTP status it was refused with. */
async function outcome<T>(answer: Promise<T>): Promise<{ value: T } | { status: number }> {
  try {
    return { value: await answer };
  } catch (error) {
    if (error instanceof ProblemException) return { status: error.getStatus() };
    throw error;
  }
}

describe('audit properties over randomized histories (embedded stores)', () => {
  jest.setTimeout(TEST_TIMEOUT_MS);

  it('a. AuditEvents.page, joined over its pages, equals a direct filter of readAll, by scan and by index', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.array(filterPlan, { minLength: 4, maxLength: 20 }), async (h, plans) => {
        await withStores(
          async (events, readStore) => {
            await applyHistory(events, h);
            const log = await everything(events);
            // The same questions through the store scan and through the audit index projection.
            const runner = new ProjectionRunner(events, readStore, [auditIndexProjection]);
            await runner.start();
            const paths = {
              scan: new AuditEvents(events),
              index: new AuditEvents(events, new IndexedAuditEvents(events, readStore, runner)),
            };
            try {
              for (const plan of plans) {
                const { query, scope } = resolveFilter(plan, h, log);
                const expected = referenceFilter(log, query, scope).map(toAuditItem);
                const limit = query.limit ?? 100;
                for (const [path, audit] of Object.entries(paths)) {
                  const pages: AuditItem[][] = [];
                  let after = query.after;
                  for (;;) {
                    const page = await audit.page({ ...query, ...(after !== undefined ? { after } : {}) }, scope);
                    pages.push(page.items);
                    expect(page.items.length).toBeLessThanOrEqual(limit);
                    if (!page.nextCursor) break;
                    // A cursor comes with a full page, and points at its last item.
                    expect(page.items.length).toBe(limit);
                    expect(page.nextCursor).toBe(page.items[page.items.length - 1].position);
                    after = page.nextCursor;
                    expect(pages.length).toBeLessThanOrEqual(log.length + 2);
                  }
                  expect({ path, query, scope, items: pages.flat() }).toEqual({ path, query, scope, items: expected });
                }
              }
            } finally {
              await runner.stop();
            }
          },
          { readStore: true },
        );
      }),
      RUN_OPTIONS,
    );
  });

  it('b. AsOf.user/client at an instant equal the fold of the events recorded up to it', async () => {
    await fc.assert(
      fc.asyncProperty(
        history.map((h) => ({ ...h, steps: h.steps.map((s, i) => ({ ...s, pause: s.pause || i % 3 === 0 })) })),
        fc.array(instantPlan, { minLength: 1, maxLength: 6 }),
        fc.option(poolIndex, { nil: undefined }),
        async (h, instants, scopeIndex) => {
          await withStores(async (events) => {
            await applyHistory(events, h);
            const log = await everything(events);
            const asOf = new AsOf(events);
            const scope = scopeIndex === undefined ? undefined : (h.companyIds[scopeIndex] ?? 'no-such-company');
            const times = [...new Set(log.map((e) => e.recordedAt))].sort();
            for (const plan of instants) {
              const at =
                times.length === 0
                  ? new Date().toISOString()
                  : new Date(Date.parse(times[plan.time % times.length]) + plan.deltaMs).toISOString();
              // ISO-8601 instants of one format order as strings do.
              const prefix = (stream: string) => log.filter((e) => e.stream === stream && e.recordedAt <= at);
              for (const uid of h.userIds) {
                const recorded = prefix(`user-${uid}`);
                const state = recorded.reduce(
                  (s, e) => userDecider.evolve(s, e as unknown as Parameters<typeof userDecider.evolve>[1]),
                  userDecider.initialState,
                );
                const visible = state.status !== 'absent' && (scope === undefined || state.companyId === scope);
                expect({ uid, at, scope, answer: await outcome(asOf.user(uid, at, scope)) }).toEqual({
                  uid,
                  at,
                  scope,
                  answer: visible ? { value: { at, revision: recorded.length - 1, user: state } } : { status: 404 },
                });
              }
              for (const clientId of h.clientIds) {
                const recorded = prefix(`client-${clientId}`);
                const state = recorded.reduce(
                  (s, e) => clientDecider.evolve(s, e as unknown as Parameters<typeof clientDecider.evolve>[1]),
                  clientDecider.initialState,
                );
                const visible = state.status !== 'absent' && (scope === undefined || state.companyId === scope);
                expect({ clientId, at, scope, answer: await outcome(asOf.client(clientId, at, scope)) }).toEqual({
                  clientId,
                  at,
                  scope,
                  answer: visible ? { value: { at, revision: recorded.length - 1, client: state } } : { status: 404 },
                });
              }
            }
          });
        },
      ),
      RUN_OPTIONS,
    );
  });

  it('c. read models built live by the ProjectionRunner (restarted midway or not) equal a replay of every projection', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.option(fc.nat({ max: 200 }), { nil: undefined }), async (h, restartAt) => {
        await withStores(
          async (events, readStore) => {
            // Started first, so the projections follow the history live as it is appended.
            let runner = new ProjectionRunner(events, readStore, projections);
            await runner.start();
            try {
              if (restartAt === undefined) await applyHistory(events, h);
              else {
                // A restart midway (a deploy), without waiting for the runner to catch up: the next
                // runner resumes from the stored checkpoints, re-applying what they had not recorded.
                const cut = restartAt % (h.steps.length + 1);
                await applyHistory(events, { ...h, steps: h.steps.slice(0, cut) });
                await runner.stop();
                runner = new ProjectionRunner(events, readStore, projections);
                await runner.start();
                await applyHistory(events, { ...h, steps: h.steps.slice(cut) });
              }
              const head = await events.headPosition();
              for (const projection of projections) {
                expect([projection.name, await runner.waitForPosition(projection.name, head, 10_000)]).toEqual([
                  projection.name,
                  true,
                ]);
              }
              for (const status of runner.statuses()) {
                expect(status).toMatchObject({ parkedEvents: 0, position: formatPosition(head) });
                expect(status.error).toBeUndefined();
              }
            } finally {
              await runner.stop();
            }
            for (const projection of projections) {
              await rebuildProjection(events, readStore, projection, { suffix: '_replay' });
              expect([projection.name, await compareReadModels(readStore, projection, '_replay')]).toEqual([
                projection.name,
                [],
              ]);
            }
          },
          { readStore: true },
        );
      }),
      RUN_OPTIONS,
    );
  });
});
