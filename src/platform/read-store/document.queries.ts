import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { Document, FindOptions, Page, ReadStore } from './read-store';

/** One read-model document by id; null when there is none. */
export class GetDocument<T extends Document> extends Query<T | null> {
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super();
  }
}

/** A page of read-model documents by equality filters. */
export class FindDocuments<T extends Document> extends Query<Page<T>> {
  constructor(
    readonly collection: string,
    readonly options: FindOptions,
  ) {
    super();
  }
}

@QueryHandler(GetDocument)
export class GetDocumentHandler implements IQueryHandler<GetDocument<Document>> {
  constructor(private readonly reads: ReadStore) {}

  execute({ collection, id }: GetDocument<Document>): Promise<Document | null> {
    return this.reads.get(collection, id);
  }
}

@QueryHandler(FindDocuments)
export class FindDocumentsHandler implements IQueryHandler<FindDocuments<Document>> {
  constructor(private readonly reads: ReadStore) {}

  execute({ collection, options }: FindDocuments<Document>): Promise<Page<Document>> {
    return this.reads.find(collection, options);
  }
}
