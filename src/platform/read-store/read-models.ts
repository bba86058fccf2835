import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { assertWithinScope, notFound } from '../auth/company-scope';
import { RequestContext } from '../auth/request-context';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../http/paging.dto';
import { FindDocuments, GetDocument } from './document.queries';
import { Document, Page, Scalar } from './read-store';

/** Typed access to read models through the QueryBus, for controllers. */
@Injectable()
export class ReadModels {
  constructor(private readonly queries: QueryBus) {}

  get<T extends Document>(collection: string, id: string): Promise<T | null> {
    return this.queries.execute(new GetDocument<T>(collection, id));
  }

  /** The document, or a 404 naming what was asked for. */
  async require<T extends Document>(collection: string, id: string, what: string): Promise<T> {
    const document = await this.get<T>(collection, id);
    if (!document) throw notFound(what, id);
    return document;
  }

  /** The document, or a 404 when there is none or it belongs to a company outside the caller's scope. */
  async requireWithin<T extends Document>(
    collection: string,
    id: string,
    what: string,
    context: Pick<RequestContext, 'companyScope'>,
    companyOf: (document: T) => string = (document) => document.companyId as string,
  ): Promise<T> {
    const document = await this.require<T>(collection, id, what);
    assertWithinScope(context, companyOf(document), what, id);
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
    );
  }
}
