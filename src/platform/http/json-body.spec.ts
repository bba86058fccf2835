import { jsonBodyProblem, MAX_JSON_DEPTH } from './json-body';

describe('jsonBodyProblem', () => {
  it('accepts ordinary bodies, the same key in different objects, and strings that are values', () => {
    expect(jsonBodyProblem('{"name":"Acme","userLicenses":3}')).toBeUndefined();
    expect(jsonBodyProblem('{"a":{"id":1},"b":{"id":2},"c":[{"id":3},{"id":4}]}')).toBeUndefined();
    expect(jsonBodyProblem('{"redirectUris":["a","a"],"name":"name"}')).toBeUndefined();
    expect(jsonBodyProblem('["x","x"]')).toBeUndefined();
    expect(jsonBodyProblem('"scope"')).toBeUndefined();
  });

  it('refuses a key given twice in one object, however it is escaped', () => {
    expect(jsonBodyProblem('{"scope":"","scope":"admin"}')).toBe('the JSON body gives the key "scope" twice');
    expect(jsonBodyProblem('{"client_secret":"x", "client_secret" : "y"}')).toMatch(/"client_secret" twice/);
    expect(jsonBodyProblem('{"a":1,"\\u0061":2}')).toMatch(/"a" twice/);
    expect(jsonBodyProblem('{"outer":{"k":1,"k":2}}')).toMatch(/"k" twice/);
    expect(jsonBodyProblem('[{"k":1},{"k":1,"k":2}]')).toMatch(/"k" twice/);
  });

  it('shows at most 64 characters of a repeated key', () => {
    const key = 'k'.repeat(1000);
    expect(jsonBodyProblem(`{"${key}":1,"${key}":2}`)).toBe(`the JSON body gives the key "${'k'.repeat(64)}…" twice`);
  });

  it(`bounds nesting at ${MAX_JSON_DEPTH} levels, without recursion however deep the text`, () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH + 1))).toBe(
      `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
    expect(jsonBodyProblem('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))).toMatch(/nests deeper/);
  });
});
