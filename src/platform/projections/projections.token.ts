/** DI token for the list of projections the runner drives. */
export const PROJECTIONS = Symbol('PROJECTIONS');
