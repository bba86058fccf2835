import { randomBytesFromPool } from './random-pool';

describe('randomBytesFromPool', () => {
  it('serves the size asked, never the same bytes twice, across refills of the pool', () => {
    const draws = Array.from({ length: 5000 }, () => randomBytesFromPool(32).toString('hex'));
    expect(draws.every((hex) => hex.length === 64)).toBe(true);
    expect(new Set(draws).size).toBe(draws.length);
  });

  it('hands out copies: changing one does not change what comes next', () => {
    const first = randomBytesFromPool(16);
    first.fill(0);
    expect(randomBytesFromPool(16).equals(Buffer.alloc(16))).toBe(false);
  });

  it('looks uniformly random: every byte value turns up about equally often', () => {
    const counts = new Array(256).fill(0);
    for (let n = 0; n < 2000; n++) for (const byte of randomBytesFromPool(64)) counts[byte] += 1;
    // 128,000 bytes: 500 expected per value; a fair source stays well within ±30%.
    expect(Math.min(...counts)).toBeGreaterThan(350);
    expect(Math.max(...counts)).toBeLessThan(650);
  });

  it('refuses a draw larger than the pool', () => {
    expect(() => randomBytesFromPool(8193)).toThrow(RangeError);
  });
});
