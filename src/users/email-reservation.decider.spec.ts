import { createHash } from 'node:crypto';
import { deciderSpec } from '../../test/support/decider-spec';
import {
  type EmailReservationCommand,
  emailReservationDecider,
  emailReservationStream,
  legacyEmailReservationStream,
} from './email-reservation.decider';
import type { EmailReservationEvent } from './email-reservation.events';

const earlier = '2026-11-01T00:00:00.000Z';
const now = '2026-11-27T10:00:00.000Z';

const reservedBy = (userId: string): EmailReservationEvent => ({
  type: 'UserEmailReserved',
  data: { companyId: 'c1', userId, reservedAt: earlier },
});
const releasedBy = (userId: string): EmailReservationEvent => ({
  type: 'UserEmailReleased',
  data: { companyId: 'c1', userId, releasedAt: earlier },
});
const reserve = (userId: string): EmailReservationCommand => ({ type: 'ReserveEmail', companyId: 'c1', userId, now });
const release = (userId: string): EmailReservationCommand => ({ type: 'ReleaseEmail', companyId: 'c1', userId, now });

const { given } = deciderSpec(emailReservationDecider);

describe('email reservation decider', () => {
  describe('ReserveEmail', () => {
    it('reserves a free email', () => {
      given()
        .when(reserve('u1'))
        .then([{ type: 'UserEmailReserved', data: { companyId: 'c1', userId: 'u1', reservedAt: now } }]);
    });

    it('records nothing when the same user reserves again (a retried registration)', () => {
      given(reservedBy('u1')).when(reserve('u1')).then([]);
    });

    it('refuses an email another user holds', () => {
      given(reservedBy('u1'))
        .when(reserve('u2'))
        .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'email_taken' }));
    });

    it('lets another user reserve once the holder released it', () => {
      given(reservedBy('u1'), releasedBy('u1'))
        .when(reserve('u2'))
        .then([{ type: 'UserEmailReserved', data: { companyId: 'c1', userId: 'u2', reservedAt: now } }]);
    });

    it('lets the former holder reserve again after releasing', () => {
      expect(given(reservedBy('u1'), releasedBy('u1')).when(reserve('u1')).decide()).toHaveLength(1);
    });

    it('follows the latest holder through a release and re-reservation', () => {
      const history = [reservedBy('u1'), releasedBy('u1'), reservedBy('u2')];
      given(...history)
        .when(reserve('u2'))
        .then([]);
      given(...history)
        .when(reserve('u1'))
        .thenRefuses(expect.objectContaining({ code: 'email_taken' }));
    });
  });

  describe('ReleaseEmail', () => {
    it('releases an email its holder gives up', () => {
      given(reservedBy('u1'))
        .when(release('u1'))
        .then([{ type: 'UserEmailReleased', data: { companyId: 'c1', userId: 'u1', releasedAt: now } }]);
    });

    it('records nothing when someone other than the holder releases', () => {
      given(reservedBy('u1')).when(release('u2')).then([]);
    });

    it('records nothing when releasing a free email', () => {
      given().when(release('u1')).then([]);
    });

    it('records nothing when releasing twice', () => {
      given(reservedBy('u1'), releasedBy('u1')).when(release('u1')).then([]);
    });
  });

  describe('emailReservationStream', () => {
    const key = Buffer.alloc(32, 7);
    const stream = (companyId: string, email: string) => emailReservationStream(key, companyId, email);

    it('is an HMAC under the service key: without the key, a guessed email cannot be checked against it', () => {
      expect(emailReservationStream(Buffer.alloc(32, 8), 'c1', 'ada@example.com')).not.toBe(
        stream('c1', 'ada@example.com'),
      );
      const plainHash = createHash('sha256').update('c1\nada@example.com').digest('hex');
      expect(stream('c1', 'ada@example.com')).not.toContain(plainHash);
      expect(legacyEmailReservationStream('c1', 'ada@example.com')).toBe(`useremail-${plainHash}`);
    });

    it('names the stream by company and email', () => {
      expect(stream('c1', 'ada@example.com')).toMatch(/^useremail-[0-9a-f]{64}$/);
    });

    it('is the same for the same company and email', () => {
      expect(stream('c1', 'ada@example.com')).toBe(stream('c1', 'ada@example.com'));
    });

    it('ignores the case and surrounding blanks of the email', () => {
      expect(stream('c1', ' Ada@Example.COM ')).toBe(stream('c1', 'ada@example.com'));
    });

    it('differs per company', () => {
      expect(stream('c1', 'ada@example.com')).not.toBe(stream('c2', 'ada@example.com'));
    });

    it('differs per email', () => {
      expect(stream('c1', 'ada@example.com')).not.toBe(stream('c1', 'ada2@example.com'));
    });

    it('does not let company and email run together', () => {
      expect(stream('c1', 'a@example.com')).not.toBe(stream('c1a', '@example.com'));
    });

    it('does not contain the email or its parts', () => {
      const name = stream('c1', 'grace@example.com');
      expect(name).not.toContain('grace');
      expect(name).not.toContain('example');
      expect(name).not.toContain('@');
    });
  });
});
