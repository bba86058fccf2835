import { createServer, type Socket } from 'node:net';
import { BSON, type Document } from 'bson';

export type Topology = 'replica set' | 'mongos' | 'standalone';

/**
 * A stand-in for the few commands the driver and `verifyServer` send before any data moves:
 * `hello` (as a replica-set primary, a mongos or a standalone server), `buildInfo` and `ping`, in
 * the OP_MSG wire format. Not a database: it tests what the adapter does with a server's answers
 * about itself, nothing about MongoDB's behaviour.
 */
export async function mongoHelloStandIn(
  topology: Topology,
  version = '7.0.14',
): Promise<{ port: number; commands: string[]; close(): Promise<void> }> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  let nextRequestId = 1;
  let port = 0;
  const helloReply = (): Document => {
    const base = {
      ok: 1,
      isWritablePrimary: true,
      helloOk: true,
      maxWireVersion: 21,
      minWireVersion: 0,
      maxBsonObjectSize: 16_777_216,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: 1,
    };
    if (topology === 'mongos') return { ...base, msg: 'isdbgrid' };
    if (topology === 'standalone') return base;
    const me = `127.0.0.1:${port}`;
    return {
      ...base,
      setName: 'rs0',
      setVersion: 1,
      hosts: [me],
      primary: me,
      me,
      electionId: new BSON.ObjectId('7fffffff0000000000000001'),
      lastWrite: { lastWriteDate: new Date(), opTime: { ts: BSON.Timestamp.fromNumber(1), t: 1 } },
    };
  };
  /** Answers in kind: OP_MSG for OP_MSG, OP_REPLY for the legacy OP_QUERY of a first handshake. */
  const answer = (socket: Socket, requestId: number, command: Document, legacy: boolean): void => {
    const name = Object.keys(command)[0];
    commands.push(name);
    const reply = /^(hello|ismaster|isMaster)$/.test(name)
      ? helloReply()
      : /^buildinfo$/i.test(name)
        ? { ok: 1, version, versionArray: version.split('.').map(Number) }
        : { ok: 1 };
    const body = BSON.serialize(reply);
    // OP_MSG: header (16), flag bits (4), section kind 0 (1). OP_REPLY: header, flags (4), cursor id
    // (8), starting from (4), number returned (4).
    const message = Buffer.alloc((legacy ? 36 : 21) + body.length);
    message.writeInt32LE(message.length, 0);
    message.writeInt32LE(nextRequestId++, 4);
    message.writeInt32LE(requestId, 8);
    message.writeInt32LE(legacy ? 1 : 2013, 12);
    if (legacy) message.writeInt32LE(1, 32);
    Buffer.from(body).copy(message, legacy ? 36 : 21);
    socket.write(message);
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        const opCode = message.readInt32LE(12);
        // The driver speaks OP_MSG once it knows the server; its very first hello may be OP_QUERY.
        if (opCode === 2013) answer(socket, message.readInt32LE(4), BSON.deserialize(message.subarray(21)), false);
        else if (opCode === 2004) {
          let offset = 20; // flags, then the collection name (a C string), skip and return counts
          while (message[offset] !== 0) offset++;
          answer(socket, message.readInt32LE(4), BSON.deserialize(message.subarray(offset + 9)), true);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return {
    port,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}
