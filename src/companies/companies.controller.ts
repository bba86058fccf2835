import {
  Body,
  Controller,
  Get,
  Headers,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminGuard } from '../platform/auth/admin.guard';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { Context, RequestContext } from '../platform/auth/request-context';
import { ifMatchRevision, setETag } from '../platform/http/etag';
import { ProblemException } from '../platform/http/problem-details';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { Position } from '../platform/event-store/position';
import { ReadModels } from '../platform/read-store/read-models';
import { PageQuery, pageOf } from '../platform/http/paging.dto';
import { ChangeCompany } from './change-company.handler';
import { ChangeCompanyBody, CompanyResponse, RegisterCompanyBody, toCompanyResponse } from './company.dto';
import { COMPANIES, companiesProjection, CompanyView } from './company.projection';
import { RegisterCompany } from './register-company.handler';

const uuid = new ParseUUIDPipe({ version: '4' });

@Controller('api/admin/companies')
@UseGuards(AdminGuard)
@ApiTags('companies')
@ApiBearerAuth(ADMIN_SECURITY)
export class CompaniesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly readModels: ReadModels,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Post()
  async register(
    @Body() body: RegisterCompanyBody,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { companyId, position } = await this.commands.execute(
      new RegisterCompany(body.name, body.userLicenses ?? null, context),
    );
    reply.header('Location', `/api/admin/companies/${companyId}`);
    return this.answer(reply, companyId, position, HttpStatus.CREATED);
  }

  @Get()
  async list(@Query() query: PageQuery, @Context() context: RequestContext) {
    const where: Record<string, string> = context.companyScope === undefined ? {} : { id: context.companyScope };
    return pageOf(await this.readModels.page<CompanyView>(COMPANIES, where, query), toCompanyResponse);
  }

  @Get(':id')
  async get(
    @Param('id', uuid) id: string,
    @Context() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CompanyResponse> {
    const company = await this.readModels.requireWithin<CompanyView>(COMPANIES, id, 'company', context, ({ id }) => id);
    setETag(reply, company.revision);
    return toCompanyResponse(company);
  }

  @Patch(':id')
  async change(
    @Param('id', uuid) id: string,
    @Body() body: ChangeCompanyBody,
    @Context() context: RequestContext,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (body.name === undefined && body.userLicenses === undefined) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'nothing to change: send name and/or userLicenses',
        'empty_change',
      );
    }
    const { position } = await this.commands.execute(new ChangeCompany(id, body, context, ifMatchRevision(ifMatch)));
    return this.answer(reply, id, position, HttpStatus.OK);
  }

  private answer(reply: FastifyReply, id: string, position: Position | undefined, status: number) {
    return this.readYourWrites.answer(reply, {
      projection: companiesProjection.name,
      position,
      status,
      load: () => this.readModels.get<CompanyView>(COMPANIES, id),
      present: toCompanyResponse,
      accepted: { id },
    });
  }
}
