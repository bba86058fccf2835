import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { FindDocuments, GetDocument } from './document.queries';
import { Document, FindOptions, Page } from './read-store';

/** Typed access to read models through the QueryBus, for controllers. */
@Injectable()
export class ReadModels {
  constructor(private readonly queries: QueryBus) {}

  get<T extends Document>(collection: string, id: string): Promise<T | null> {
    return this.queries.execute(new GetDocument<T>(collection, id)) as Promise<T | null>;
  }

  find<T extends Document>(collection: string, options: FindOptions): Promise<Page<T>> {
    return this.queries.execute(new FindDocuments<T>(collection, options)) as Promise<Page<T>>;
  }
}
