import { MongoReadStore } from '../../src/platform/read-store/mongo-read-store';
import { describeWithLiveServer } from '../support/live-server';
import { readStoreContract } from './read-store.contract';

describeWithLiveServer('MONGODB_URI', 'ReadStore contract: MongoDB', (uri) => {
  readStoreContract(async () => MongoReadStore.connect(uri, { timeoutMs: 10_000 }));
});
