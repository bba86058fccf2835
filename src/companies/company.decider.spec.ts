import { deciderSpec } from '../../test/support/decider-spec';
import { DomainError } from '../platform/domain/domain-error';
import { companyDecider } from './company.decider';
import type { CompanyEvent } from './company.events';

const now = '2026-11-27T10:00:00.000Z';
const registered: CompanyEvent = {
  type: 'CompanyRegistered',
  data: { companyId: 'c1', name: 'Acme', userLicenses: 10, registeredAt: '2026-11-01T00:00:00.000Z' },
};

const { given } = deciderSpec(companyDecider);

describe('company decider', () => {
  it('registers a new company with its name trimmed', () => {
    given()
      .when({ type: 'RegisterCompany', companyId: 'c1', name: '  Acme ', userLicenses: null, now })
      .then([
        { type: 'CompanyRegistered', data: { companyId: 'c1', name: 'Acme', userLicenses: null, registeredAt: now } },
      ]);
  });

  it('refuses to register a company twice', () => {
    given(registered)
      .when({
        type: 'RegisterCompany',
        companyId: 'c1',
        name: 'Other',
        userLicenses: null,
        now,
      })
      .thenRefuses(expect.objectContaining({ kind: 'conflict', code: 'company_exists' }));
  });

  it.each([
    ['a blank name', { name: '   ', userLicenses: null }, 'invalid_company_name'],
    ['an over-long name', { name: 'x'.repeat(201), userLicenses: null }, 'invalid_company_name'],
    ['negative licences', { name: 'Acme', userLicenses: -1 }, 'invalid_user_licenses'],
    ['fractional licences', { name: 'Acme', userLicenses: 1.5 }, 'invalid_user_licenses'],
  ])('refuses %s', (_, fields, code) => {
    const attempt = given().when({ type: 'RegisterCompany', companyId: 'c1', now, ...fields });
    attempt.thenRefuses(DomainError);
    attempt.thenRefuses(expect.objectContaining({ code }));
  });

  it('renames and changes licences as two facts', () => {
    given(registered)
      .when({
        type: 'ChangeCompany',
        companyId: 'c1',
        name: 'Acme Ltd',
        userLicenses: null,
        now,
      })
      .then([
        { type: 'CompanyRenamed', data: { companyId: 'c1', name: 'Acme Ltd', renamedAt: now } },
        { type: 'CompanyUserLicensesChanged', data: { companyId: 'c1', userLicenses: null, changedAt: now } },
      ]);
  });

  it('records nothing when a change repeats the current values', () => {
    given(registered).when({ type: 'ChangeCompany', companyId: 'c1', name: ' Acme', userLicenses: 10, now }).then([]);
  });

  it('folds changes into state', () => {
    const renamed: CompanyEvent = {
      type: 'CompanyRenamed',
      data: { companyId: 'c1', name: 'Acme Ltd', renamedAt: now },
    };
    given(registered, renamed).when({ type: 'ChangeCompany', companyId: 'c1', name: 'Acme Ltd', now }).then([]);
  });

  it('refuses to change a company that does not exist', () => {
    given()
      .when({ type: 'ChangeCompany', companyId: 'c9', name: 'X', now })
      .thenRefuses(expect.objectContaining({ kind: 'not_found', code: 'company_not_found' }));
  });
});
