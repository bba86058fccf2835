import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page, ReadStore } from '../platform/read-store/read-store';
import { COMPANIES, CompanyView } from './company.projection';

export class GetCompany {
  constructor(readonly companyId: string) {}
}

@QueryHandler(GetCompany)
export class GetCompanyHandler implements IQueryHandler<GetCompany, CompanyView | null> {
  constructor(private readonly reads: ReadStore) {}

  execute({ companyId }: GetCompany): Promise<CompanyView | null> {
    return this.reads.get<CompanyView>(COMPANIES, companyId);
  }
}

export class ListCompanies {
  constructor(
    readonly limit: number,
    readonly cursor?: string,
  ) {}
}

/** Oldest first, so pages are stable while companies are being added. */
@QueryHandler(ListCompanies)
export class ListCompaniesHandler implements IQueryHandler<ListCompanies, Page<CompanyView>> {
  constructor(private readonly reads: ReadStore) {}

  execute({ limit, cursor }: ListCompanies): Promise<Page<CompanyView>> {
    return this.reads.find<CompanyView>(COMPANIES, { sortBy: 'createdAt', direction: 'asc', limit, cursor });
  }
}
