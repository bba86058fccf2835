import { DomainError } from '../platform/domain/domain-error';
import { CompanyCommand, CompanyEvent, companyDecider } from './company.decider';

const now = '2026-11-27T10:00:00.000Z';
const registered: CompanyEvent = {
  type: 'CompanyRegistered',
  data: { companyId: 'c1', name: 'Acme', userLicenses: 10, registeredAt: '2026-11-01T00:00:00.000Z' },
};

/** given events, when command, then events (or a refusal). */
function given(...history: CompanyEvent[]) {
  const state = history.reduce(companyDecider.evolve, companyDecider.initialState);
  return { when: (command: CompanyCommand) => () => companyDecider.decide(command, state) };
}

describe('company decider', () => {
  it('registers a new company with its name trimmed', () => {
    const then = given().when({ type: 'RegisterCompany', companyId: 'c1', name: '  Acme ', userLicenses: null, now });
    expect(then()).toEqual([
      { type: 'CompanyRegistered', data: { companyId: 'c1', name: 'Acme', userLicenses: null, registeredAt: now } },
    ]);
  });

  it('refuses to register a company twice', () => {
    const then = given(registered).when({
      type: 'RegisterCompany',
      companyId: 'c1',
      name: 'Other',
      userLicenses: null,
      now,
    });
    expect(then).toThrow(expect.objectContaining({ kind: 'conflict', code: 'company_exists' }));
  });

  it.each([
    ['a blank name', { name: '   ', userLicenses: null }, 'invalid_company_name'],
    ['an over-long name', { name: 'x'.repeat(201), userLicenses: null }, 'invalid_company_name'],
    ['negative licences', { name: 'Acme', userLicenses: -1 }, 'invalid_user_licenses'],
    ['fractional licences', { name: 'Acme', userLicenses: 1.5 }, 'invalid_user_licenses'],
  ])('refuses %s', (_, fields, code) => {
    const then = given().when({ type: 'RegisterCompany', companyId: 'c1', now, ...fields });
    expect(then).toThrow(DomainError);
    expect(then).toThrow(expect.objectContaining({ code }));
  });

  it('renames and changes licences as two facts', () => {
    const then = given(registered).when({
      type: 'ChangeCompany',
      companyId: 'c1',
      name: 'Acme Ltd',
      userLicenses: null,
      now,
    });
    expect(then()).toEqual([
      { type: 'CompanyRenamed', data: { companyId: 'c1', name: 'Acme Ltd', renamedAt: now } },
      { type: 'CompanyUserLicensesChanged', data: { companyId: 'c1', userLicenses: null, changedAt: now } },
    ]);
  });

  it('records nothing when a change repeats the current values', () => {
    expect(
      given(registered).when({ type: 'ChangeCompany', companyId: 'c1', name: ' Acme', userLicenses: 10, now })(),
    ).toEqual([]);
  });

  it('folds changes into state', () => {
    const renamed: CompanyEvent = {
      type: 'CompanyRenamed',
      data: { companyId: 'c1', name: 'Acme Ltd', renamedAt: now },
    };
    expect(
      given(registered, renamed).when({ type: 'ChangeCompany', companyId: 'c1', name: 'Acme Ltd', now })(),
    ).toEqual([]);
  });

  it('refuses to change a company that does not exist', () => {
    const then = given().when({ type: 'ChangeCompany', companyId: 'c9', name: 'X', now });
    expect(then).toThrow(expect.objectContaining({ kind: 'not_found', code: 'company_not_found' }));
  });
});
