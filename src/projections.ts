import { companiesProjection } from './companies/company.projection';
import { Projection } from './platform/projections/projection';

/** Every read model of the service: run by the projection runner, rebuilt by `npm run rebuild`. */
export const projections: readonly Projection[] = [companiesProjection];
