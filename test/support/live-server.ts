/**
 * Production-adapter suites need a live server. Without its variable the suite is skipped, and the
 * reason is printed (never a silent skip): `docker compose up -d eventstore mongo` provides both.
 */
export function describeWithLiveServer(variable: string, title: string, body: (value: string) => void): void {
  const value = process.env[variable];
  if (value) {
    describe(title, () => body(value));
    return;
  }
  process.stdout.write(`\n[skipped] ${title}: ${variable} is not set, so there is no live server to test against.\n`);
  describe.skip(`${title} (skipped: ${variable} not set)`, () => {
    it('needs a live server', () => undefined);
  });
}
