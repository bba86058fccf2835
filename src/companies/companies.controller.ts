import { Body, Controller, Get, HttpStatus, NotFoundException, Param, ParseUUIDPipe, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { AdminGuard } from '../platform/auth/admin.guard';
import { Context, RequestContext } from '../platform/auth/request-context';
import { Position } from '../platform/event-store/position';
import { ProblemException } from '../platform/http/problem-details';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { Page } from '../platform/read-store/read-store';
import { ChangeCompany } from './change-company.handler';
import { ChangeCompanyBody, CompanyResponse, ListCompaniesQuery, RegisterCompanyBody, toCompanyResponse } from './company.dto';
import { companiesProjection, CompanyView } from './company.projection';
import { GetCompany, ListCompanies } from './company.queries';
import { RegisterCompany } from './register-company.handler';

const uuid = new ParseUUIDPipe({ version: '4' });

@Controller('api/admin/companies')
@UseGuards(AdminGuard)
export class CompaniesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Post()
  async register(
    @Body() body: RegisterCompanyBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CompanyResponse | { id: string }> {
    const { companyId, position } = await this.commands.execute(
      new RegisterCompany(body.name, body.userLicenses ?? null, context),
    );
    reply.header('Location', `/api/admin/companies/${companyId}`);
    return this.answerOnceVisible(companyId, position, reply, HttpStatus.CREATED);
  }

  @Get()
  async list(@Query() query: ListCompaniesQuery): Promise<{ items: CompanyResponse[]; nextCursor?: string }> {
    const page: Page<CompanyView> = await this.queries.execute(new ListCompanies(query.limit ?? 50, query.cursor));
    return { items: page.items.map(toCompanyResponse), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  @Get(':id')
  async get(@Param('id', uuid) id: string): Promise<CompanyResponse> {
    return toCompanyResponse(await this.find(id));
  }

  @Patch(':id')
  async change(
    @Param('id', uuid) id: string,
    @Body() body: ChangeCompanyBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CompanyResponse | { id: string }> {
    if (body.name === undefined && body.userLicenses === undefined) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'nothing to change: send name and/or userLicenses', 'empty_change');
    }
    const { position } = await this.commands.execute(new ChangeCompany(id, body, context));
    return this.answerOnceVisible(id, position, reply, HttpStatus.OK);
  }

  /** 201/200 with the read model once it shows the write; 202 when the bounded wait runs out. */
  private async answerOnceVisible(id: string, position: Position | undefined, reply: FastifyReply, status: number) {
    if (!(await this.readYourWrites.visible(companiesProjection.name, position))) {
      reply.status(HttpStatus.ACCEPTED);
      return { id };
    }
    reply.status(status);
    return toCompanyResponse(await this.find(id));
  }

  private async find(id: string): Promise<CompanyView> {
    const company: CompanyView | null = await this.queries.execute(new GetCompany(id));
    if (!company) throw new NotFoundException(`no company ${id}`);
    return company;
  }
}
