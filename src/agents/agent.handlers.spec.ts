import { randomUUID } from 'node:crypto';
import {
  companyAdmin,
  expectRefusedWithNothingAppended,
  notFoundProblem,
  platformAdmin,
  twoTenants,
} from '../../test/support/tenants';
import type { SqliteEventStore } from '../platform/event-store/sqlite-event-store';
import { agentStream } from './agent.decider';
import { type AgentChange, ChangeAgent, ChangeAgentHandler } from './change-agent.handler';
import { RegisterAgent, RegisterAgentHandler } from './register-agent.handler';

/**
 * The company scope is the handlers' to check, on the agent they read: a company administrator's
 * command on another company's agent is refused there, whatever route dispatched it.
 */
describe('agent handlers: the company scope', () => {
  let events: SqliteEventStore;
  let companyA: string;
  let companyB: string;
  let agentOfB: string;
  let register: RegisterAgentHandler;
  let change: ChangeAgentHandler;
  const settings = { name: 'Helper', maxMessages: 20, temperature: 0.7 };

  beforeAll(async () => {
    ({ events, companyA, companyB } = await twoTenants());
    register = new RegisterAgentHandler(events);
    change = new ChangeAgentHandler(events);
    ({ agentId: agentOfB } = await register.execute(new RegisterAgent(companyB, settings, platformAdmin)));
  });
  afterAll(() => events.close());

  it.each<[string, AgentChange]>([
    ['changing the settings of', { type: 'ChangeAgentSettings', temperature: 1.5 }],
    ['retiring', { type: 'RetireAgent' }],
  ])('refuses %s another company’s agent as not found, appending nothing', async (_, agentChange) => {
    await expectRefusedWithNothingAppended(
      events,
      () => change.execute(new ChangeAgent(agentOfB, agentChange, companyAdmin(companyA))),
      notFoundProblem('agent', agentOfB),
    );
  });

  it('answers not found, not a stale revision, whatever If-Match names on another company’s agent', async () => {
    for (const ifRevision of [0, 7]) {
      await expectRefusedWithNothingAppended(
        events,
        () =>
          change.execute(
            new ChangeAgent(
              agentOfB,
              { type: 'ChangeAgentSettings', name: 'Mine' },
              companyAdmin(companyA),
              ifRevision,
            ),
          ),
        notFoundProblem('agent', agentOfB),
      );
    }
  });

  it('answers not found for an agent that does not exist, whatever If-Match names', async () => {
    const unknown = randomUUID();
    await expectRefusedWithNothingAppended(
      events,
      () => change.execute(new ChangeAgent(unknown, { type: 'RetireAgent' }, platformAdmin, 2)),
      notFoundProblem('agent', unknown),
    );
  });

  it('refuses registering an agent in another company, or in none, as that company not found', async () => {
    for (const companyId of [companyB, randomUUID()]) {
      await expectRefusedWithNothingAppended(
        events,
        () => register.execute(new RegisterAgent(companyId, settings, companyAdmin(companyA))),
        notFoundProblem('company', companyId),
      );
    }
  });

  it('lets a company administrator change its own company’s agents', async () => {
    const { position } = await change.execute(
      new ChangeAgent(agentOfB, { type: 'ChangeAgentSettings', temperature: 1.5 }, companyAdmin(companyB), 0),
    );
    expect(position).toBeDefined();
    const [, changed] = await events.readStream(agentStream(agentOfB));
    expect(changed).toMatchObject({ type: 'AgentSettingsChanged', metadata: { companyId: companyB } });
  });
});
