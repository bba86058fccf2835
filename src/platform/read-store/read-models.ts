import { Injectable, NotFoundException } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../http/paging.dto';
import { FindDocuments, GetDocument } from './document.queries';
import { Document, Page, Scalar } from './read-store';

/** Typed access to read models through the QueryBus, for controllers. */
@Injectable()
export class ReadModels {
  constructor(private readonly queries: QueryBus) {}

  get<T extends Document>(collection: string, id: string): Promise<T | null> {
    return this.queries.execute(new GetDocument<T>(collection, id)) as Promise<T | null>;
  }

  /** The document, or a 404 naming what was asked for. */
  async require<T extends Document>(collection: string, id: string, what: string): Promise<T> {
    const document = await this.get<T>(collection, id);
    if (!document) throw new NotFoundException(`no ${what} ${id}`);
    return document;
  }

  /** One page of an admin list: oldest first, so pages stay stable while items are added. */
  page<T extends Document>(collection: string, where: Record<string, Scalar>, query: PageQuery): Promise<Page<T>> {
    return this.queries.execute(
      new FindDocuments<T>(collection, {
        where,
        sortBy: 'createdAt',
        limit: query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: query.cursor,
      }),
    ) as Promise<Page<T>>;
  }
}
