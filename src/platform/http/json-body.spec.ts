import { bodyMustBeJson, parseJsonBody, refusePrototypeKeys } from './json-body';

describe('parseJsonBody (the Fastify JSON parser, read as body-parser reads it)', () => {
  it('parses objects and arrays', () => {
    expect(parseJsonBody('{"quantity":1}')).toEqual({ quantity: 1 });
    expect(parseJsonBody(' [1,2]')).toEqual([1, 2]);
  });

  it('refuses any other top-level value with body-parser strict message', () => {
    expect(() => parseJsonBody('"book me"')).toThrow(new SyntaxError(`Unexpected token '"', ""book me"" is not valid JSON`));
    expect(() => parseJsonBody('  42')).toThrow(SyntaxError);
    expect(() => parseJsonBody('null')).toThrow(SyntaxError);
  });

  it('refuses __proto__, constructor and prototype keys, also when spelled with \\u escapes', () => {
    expect(() => parseJsonBody('{"__proto__":{"admin":true}}')).toThrow('property __proto__ is not allowed');
    expect(() => parseJsonBody('{"a":{"constructor":{}}}')).toThrow('property constructor is not allowed');
    expect(() => parseJsonBody('{"prototype":1}')).toThrow('property prototype is not allowed');
    expect(() => parseJsonBody('{"\\u005f_proto__":{}}')).toThrow('property __proto__ is not allowed');
  });

  it('keeps those words when they are values, not keys', () => {
    expect(parseJsonBody('{"name":"constructor of __proto__"}')).toEqual({ name: 'constructor of __proto__' });
  });

  it('reports malformed JSON as JSON.parse does', () => {
    expect(() => parseJsonBody('{"quantity": 1,')).toThrow(SyntaxError);
  });

  it('is the reviver Express uses', () => {
    expect(() => JSON.parse('{"__proto__":1}', refusePrototypeKeys)).toThrow('property __proto__ is not allowed');
  });
});

describe('bodyMustBeJson (the 415 rule of both adapters)', () => {
  it('holds for a body on POST, PUT and PATCH, whether it has a length or is chunked', () => {
    for (const method of ['POST', 'PUT', 'PATCH']) {
      expect(bodyMustBeJson(method, { 'content-length': '12' })).toBe(true);
      expect(bodyMustBeJson(method, { 'transfer-encoding': 'chunked' })).toBe(true);
    }
  });

  it('does not hold without a body, or on any other method', () => {
    expect(bodyMustBeJson('POST', {})).toBe(false);
    expect(bodyMustBeJson('POST', { 'content-length': '0' })).toBe(false);
    expect(bodyMustBeJson('DELETE', { 'content-length': '12' })).toBe(false);
    expect(bodyMustBeJson('GET', { 'transfer-encoding': 'chunked' })).toBe(false);
  });
});
