import { type EventMetadata, EventStore } from '../../src/platform/event-store/event-store';
import { decideOnStream } from '../../src/platform/event-store/decide-on-stream';
import { PersonalDataSecrets } from '../../src/platform/personal-data/personal-data-secrets';
import { emailReservationDecider, emailReservationStream } from '../../src/users/email-reservation.decider';
import { ProjectionRunner } from '../../src/platform/projections/projection-runner';
import { RegistrationReconciler } from '../../src/users/registration-reconciler';
import { takeSeat } from '../../src/users/user-seats';
import { OAuthFixture } from '../support/oauth-fixtures';
import { type RunningApp, startApp } from '../support/running-app';

/**
 * Registering a user takes three appends on three streams (email reservation, seat, user). A crash
 * after any of them is played here by making exactly the appends the registration would have made
 * before dying; the reconciler must give back what they hold, and nothing a finished registration holds.
 */
describe('registrations cut short by a crash', () => {
  let service: RunningApp;
  let oauth: OAuthFixture;
  let companyId: string;
  const metadata = (): EventMetadata => ({
    actor: { kind: 'admin', id: 'crash-test' },
    correlationId: 'crashed-request',
    causationId: 'crashed-request',
    companyId,
    at: new Date().toISOString(),
    schemaVersion: 1,
  });
  const events = () => service.app.get(EventStore);
  const reservation = (companyId: string, email: string) =>
    emailReservationStream(service.app.get(PersonalDataSecrets).reservationKey, companyId, email);
  const reserveEmail = (userId: string, email: string) =>
    decideOnStream(events(), reservation(companyId, email), emailReservationDecider, {
      command: { type: 'ReserveEmail', companyId, userId, now: new Date().toISOString() },
      metadata: metadata(),
    });
  /** Past the grace, with the pending registrations read model holding everything recorded so far. */
  const reconcile = async () => {
    const head = await events().headPosition();
    expect(await service.app.get(ProjectionRunner).waitForPosition('pending_registrations', head, 5_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    return service.app.get(RegistrationReconciler).reconcile();
  };
  const register = (id: string, email: string) =>
    service.request('/api/admin/users', {
      method: 'POST',
      body: JSON.stringify({ id, companyId, email, firstName: 'A', lastName: 'B', role: 'user' }),
    });

  beforeAll(async () => {
    // A grace of a second: the reconciler's own timer runs every second too, so the tests check what
    // it did (either run may have done it), not which run did.
    service = await startApp({ REGISTRATION_GRACE_SECONDS: '1' });
    oauth = new OAuthFixture(service);
    companyId = await oauth.company('Crashes', 1);
  });
  afterAll(() => service.close());

  it('gives back an email reserved by a registration that died right after', async () => {
    await reserveEmail('ghost-1', 'taken@example.com');
    expect((await register('real-1', 'taken@example.com')).status).toBe(409);
    await reconcile();
    const released = (await events().readStream(reservation(companyId, 'taken@example.com'))).at(-1);
    expect(released).toMatchObject({
      type: 'UserEmailReleased',
      metadata: { actor: { kind: 'system', id: 'registration-reconciler' } },
    });
    expect((await register('real-1', 'taken@example.com')).status).toBe(201);
    await service.request('/api/admin/users/real-1/deactivate', { method: 'POST' }); // frees the one licence
  });

  it('gives back the email and the seat of a registration that died before the user was recorded', async () => {
    await reserveEmail('ghost-2', 'ghost2@example.com');
    await takeSeat(events(), companyId, 'ghost-2', metadata());
    expect((await register('real-2', 'real2@example.com')).status).toBe(409); // the one licence is held
    await reconcile();
    expect((await register('real-2', 'real2@example.com')).status).toBe(201);
    expect((await register('real-3', 'ghost2@example.com')).status).toBe(409); // licences, not the email
    await service.request('/api/admin/users/real-2/deactivate', { method: 'POST' });
  });

  it('gives back the seat of a reactivation that died before the user was reactivated', async () => {
    await takeSeat(events(), companyId, 'real-1', metadata()); // real-1 is deactivated
    expect((await register('real-4', 'real4@example.com')).status).toBe(409);
    await reconcile();
    expect((await register('real-4', 'real4@example.com')).status).toBe(201);
  });

  it('leaves alone what a finished registration holds', async () => {
    expect(await reconcile()).toBe(0);
    expect((await register('real-5', 'real4@example.com')).status).toBe(409); // real-4 keeps both
  });
});
