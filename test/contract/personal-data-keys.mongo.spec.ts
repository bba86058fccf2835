import { MongoPersonalDataKeys } from '../../src/platform/personal-data/mongo-personal-data-keys';
import { describeWithLiveServer } from '../support/live-server';
import { personalDataKeysContract } from './personal-data-keys.contract';

describeWithLiveServer('MONGODB_URI', 'PersonalDataKeys contract: MongoDB', (uri) => {
  personalDataKeysContract(async () => new MongoPersonalDataKeys(uri, 10_000));
});
