import { Feed } from '../../test/support/security-view-feed';

describe('revoked grants in the security view', () => {
  const revokeAt = (feed: Feed, grantId: string, revokedAt: string) =>
    feed.emit(`grant-${grantId}`, 'TokenRevoked', { grantId, reason: 'admin', revokedAt });

  it('are remembered for a day and five minutes, the longest any access token of theirs can live, then forgotten', () => {
    const feed = new Feed();
    revokeAt(feed, 'g-old', '2026-11-01T00:00:00.000Z');
    revokeAt(feed, 'g-later', '2026-11-01T23:00:00.000Z');
    expect(feed.view.isGrantRevoked('g-old')).toBe(true);
    revokeAt(feed, 'g-next-day', '2026-11-02T00:05:00.000Z'); // exactly 24 h 5 min after g-old
    expect(feed.view.isGrantRevoked('g-old')).toBe(true);
    revokeAt(feed, 'g-after', '2026-11-02T00:05:00.001Z');
    expect(feed.view.isGrantRevoked('g-old')).toBe(false);
    expect(['g-later', 'g-next-day', 'g-after'].map((id) => feed.view.isGrantRevoked(id))).toEqual([true, true, true]);
  });
});
