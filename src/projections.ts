import { agentsProjection } from './agents/agent.projection';
import { clientsProjection } from './clients/client.projection';
import { auditIndexProjection } from './audit/audit-index.projection';
import { companiesProjection } from './companies/company.projection';
import { grantsProjection } from './grants/grant.projection';
import type { Projection } from './platform/projections/projection';
import { pendingRegistrationsProjection } from './users/pending-registration.projection';
import { usersProjection } from './users/user.projection';

/** Every read model of the service: run by the projection runner, rebuilt by `npm run rebuild`. */
export const projections: readonly Projection[] = [
  companiesProjection,
  clientsProjection,
  agentsProjection,
  usersProjection,
  grantsProjection,
  auditIndexProjection,
  pendingRegistrationsProjection,
];
