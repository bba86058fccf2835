// node bench/signing.mjs [--rounds N]: the cost of signing and verifying one RFC 9068 access token
// (ES256, `kid`, `typ: at+jwt`), three ways each: WebCrypto (what access-tokens.ts used to sign with),
// synchronous node:crypto with a cached KeyObject, and jose (the reference implementation). Prints,
// per token, the wall time one at a time, the wall time 32 at a time (the bench's connections), and
// the CPU of the whole process (every thread: WebCrypto signs in libuv's pool) — CPU is the number
// that counts on a shared or loaded machine. Every way's tokens are checked by the others first.
import { createSign, generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { SignJWT, importJWK, jwtVerify } from 'jose';

const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 5000;
const CONCURRENCY = 32;

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = 'bench-key';
const issuer = 'http://127.0.0.1:3000';
const audience = 'airisk-api';
const claims = {
  sub: '6f1c2d3e-0000-4000-8000-000000000001',
  client_id: '6f1c2d3e-0000-4000-8000-000000000002',
  company_id: '6f1c2d3e-0000-4000-8000-000000000003',
  jti: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.AbCdEfGhIjKl',
  scope: 'admin audit:read',
  userid: 'user@example.com',
  role: 'user',
  agents: ['agent-1', 'agent-2'],
  default_agent: 'agent-1',
  cutoffs: { client: 0, user: 0 },
};
const header = { alg: 'ES256', typ: 'at+jwt', kid };

function payload() {
  const iat = Math.floor(Date.now() / 1000);
  return { ...claims, iss: issuer, aud: audience, iat, exp: iat + 900 };
}

const base64url = (text) => Buffer.from(text).toString('base64url');
const signingInput = () => `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload()))}`;

const cryptoKey = await webcrypto.subtle.importKey(
  'pkcs8',
  privateKey.export({ format: 'der', type: 'pkcs8' }),
  { name: 'ECDSA', namedCurve: 'P-256' },
  false,
  ['sign'],
);
const joseKey = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' }, 'ES256');
const josePublic = await importJWK({ ...publicKey.export({ format: 'jwk' }), alg: 'ES256' }, 'ES256');

const signers = {
  async webcrypto() {
    const input = signingInput();
    const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, cryptoKey, Buffer.from(input));
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  },
  async 'node:crypto sign'() {
    const input = signingInput();
    // RFC 7518 §3.4: R || S, 64 bytes, not the DER that node:crypto gives by default.
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  },
  async 'jose SignJWT'() {
    return new SignJWT(payload()).setProtectedHeader(header).sign(joseKey);
  },
};

const jwt = new JwtService();
const verifiers = {
  async jsonwebtoken(token) {
    return jwt.verify(token, { algorithms: ['ES256'], publicKey, issuer, audience });
  },
  async 'node:crypto verify'(token) {
    const [encodedHeader, encodedPayload, encodedSignature] = token.split('.');
    const decodedHeader = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString());
    if (decodedHeader.alg !== 'ES256' || decodedHeader.typ !== 'at+jwt' || decodedHeader.kid !== kid) throw new Error();
    const valid = verify(
      'sha256',
      Buffer.from(`${encodedHeader}.${encodedPayload}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(encodedSignature, 'base64url'),
    );
    if (!valid) throw new Error('bad signature');
    const decoded = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString());
    if (decoded.iss !== issuer || decoded.aud !== audience || decoded.exp <= Date.now() / 1000) throw new Error();
    return decoded;
  },
  async 'jose jwtVerify'(token) {
    return (await jwtVerify(token, josePublic, { issuer, audience, typ: 'at+jwt', algorithms: ['ES256'] })).payload;
  },
};

/** Every signer's token passes every verifier (and a DER signature, the classic mistake, passes none). */
async function checkAgreement() {
  for (const [signerName, signer] of Object.entries(signers)) {
    const token = await signer();
    for (const [verifierName, verifier] of Object.entries(verifiers)) {
      const verified = await verifier(token);
      if (verified.jti !== claims.jti) throw new Error(`${verifierName} misread ${signerName}'s token`);
    }
  }
  const input = signingInput();
  const der = `${input}.${createSign('sha256').update(input).sign(privateKey).toString('base64url')}`;
  for (const [verifierName, verifier] of Object.entries(verifiers)) {
    if (
      await verifier(der).then(
        () => true,
        () => false,
      )
    )
      throw new Error(`${verifierName} took a DER signature`);
  }
}

/** Microseconds per call: wall one at a time, wall `CONCURRENCY` at a time, and process CPU (all threads). */
async function measure(operation) {
  for (let index = 0; index < 500; index++) await operation(); // warm up
  let cpu = process.cpuUsage();
  let started = performance.now();
  for (let index = 0; index < ROUNDS; index++) await operation();
  const sequentialWall = performance.now() - started;
  const sequentialCpu = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  started = performance.now();
  for (let index = 0; index < ROUNDS; index += CONCURRENCY) {
    await Promise.all(Array.from({ length: CONCURRENCY }, operation));
  }
  const concurrentWall = performance.now() - started;
  const concurrentCpu = process.cpuUsage(cpu);
  const micros = (ms) => ((ms * 1000) / ROUNDS).toFixed(1);
  const cpuMicros = ({ user, system }) => ((user + system) / ROUNDS).toFixed(1);
  return {
    'wall µs, 1 at a time': micros(sequentialWall),
    'CPU µs, 1 at a time': cpuMicros(sequentialCpu),
    [`wall µs, ${CONCURRENCY} at a time`]: micros(concurrentWall),
    [`CPU µs, ${CONCURRENCY} at a time`]: cpuMicros(concurrentCpu),
  };
}

await checkAgreement();
const signing = {};
for (const [name, signer] of Object.entries(signers)) signing[name] = await measure(signer);
console.log(`signing one access token (${ROUNDS} rounds each, node ${process.version})`);
console.table(signing);
const token = await signers['node:crypto sign']();
const verifying = {};
for (const [name, verifier] of Object.entries(verifiers)) verifying[name] = await measure(() => verifier(token));
console.log('verifying one access token');
console.table(verifying);
