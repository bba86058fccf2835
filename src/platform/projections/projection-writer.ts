import type { ReadStoreWriter } from '../read-store/read-store';
import { physicalCollection, type Projection, type ProjectionWriter } from './projection';

/** Maps a projection's logical collection names onto its version's physical ones. */
export function projectionWriter(projection: Projection, writer: ReadStoreWriter, suffix = ''): ProjectionWriter {
  const at = (collection: string) => physicalCollection(projection, collection, suffix);
  return {
    get: (collection, id) => writer.get(at(collection), id),
    upsert: (collection, document) => writer.upsert(at(collection), document),
    patch: (collection, id, fields) => writer.patch(at(collection), id, fields),
    delete: (collection, id) => writer.delete(at(collection), id),
  };
}
