import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * `size` bytes from the CSPRNG, served from a pool refilled 8 KiB at a time: each call into the
 * CSPRNG costs microseconds whatever its size, and the token path needs several small draws per
 * request. Bytes are copied out and never served twice.
 */
export function randomBytesFromPool(size: number): Buffer {
  if (size > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} bytes at a time`);
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return bytes;
}
