import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ChangeCompanyHandler } from './change-company.handler';
import { CompaniesController } from './companies.controller';
import { GetCompanyHandler, ListCompaniesHandler } from './company.queries';
import { RegisterCompanyHandler } from './register-company.handler';

/** Companies: the tenants every client and user belongs to. */
@Module({
  imports: [CqrsModule],
  controllers: [CompaniesController],
  providers: [RegisterCompanyHandler, ChangeCompanyHandler, GetCompanyHandler, ListCompaniesHandler],
})
export class CompaniesModule {}
