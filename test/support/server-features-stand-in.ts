import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { ServerFeaturesService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb';
import { SupportedMethods } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb';

/**
 * A stand-in for ONE call of an EventStoreDB server, the ServerFeatures call the client makes
 * first (it tells the server's version): it can hang or answer. Not a store, and nothing proven with
 * it is a claim about EventStoreDB; it tests what the adapter does with the client between calls.
 */
export async function serverFeaturesStandIn(): Promise<{
  port: number;
  /** A version to report, or `'hang'` to stop answering. */
  answer(version: string): void;
  close(): void;
}> {
  let version = 'hang';
  const server = new Server();
  server.addService(ServerFeaturesService, {
    getSupportedMethods: (
      _call: ServerUnaryCall<unknown, SupportedMethods>,
      reply: sendUnaryData<SupportedMethods>,
    ) => {
      if (version === 'hang') return; // never answers
      reply(null, new SupportedMethods().setEventStoreServerVersion(version).setMethodsList([]));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    answer: (next) => (version = next),
    close: () => server.forceShutdown(),
  };
}
