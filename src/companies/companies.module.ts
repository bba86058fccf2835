import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ChangeCompanyHandler } from './change-company.handler';
import { CompaniesController } from './companies.controller';
import { RegisterCompanyHandler } from './register-company.handler';

/** Companies: the tenants every client and user belongs to. */
@Module({
  imports: [CqrsModule],
  controllers: [CompaniesController],
  providers: [RegisterCompanyHandler, ChangeCompanyHandler],
})
export class CompaniesModule {}
