import { describe, expect, test } from 'vitest';
import { parseOdooUrl } from './odoo-url.js';

describe('parseOdooUrl', () => {
  test.each([
    ['http://localhost:8069', { secure: false, host: 'localhost', port: 8069, pathPrefix: '', display: 'http://localhost:8069' }],
    ['http://odoo', { secure: false, host: 'odoo', port: 80, pathPrefix: '' }],
    ['https://erp.example.com', { secure: true, host: 'erp.example.com', port: 443, pathPrefix: '' }],
    ['https://erp.example.com:8443/', { secure: true, port: 8443, pathPrefix: '' }],
    ['https://example.com/odoo', { secure: true, pathPrefix: '/odoo', display: 'https://example.com/odoo' }],
    ['https://example.com/odoo/', { pathPrefix: '/odoo' }],
    ['https://example.com/erp/odoo13/', { pathPrefix: '/erp/odoo13' }],
    ['http://localhost:8069/web', { pathPrefix: '' }],
    ['http://localhost:8069/xmlrpc/2', { pathPrefix: '' }],
    ['http://[::1]:8069', { host: '::1', port: 8069 }],
  ])('%s', (url, expected) => {
    expect(parseOdooUrl(url)).toMatchObject(expected);
  });

  test('credentials in the URL become basic auth and stay out of the display form', () => {
    const endpoint = parseOdooUrl('https://proxy%20user:s%3Acret@example.com/odoo');
    expect(endpoint.basicAuth).toEqual({ user: 'proxy user', pass: 's:cret' });
    expect(endpoint.display).toBe('https://example.com/odoo');
  });

  test.each(['localhost:8069', 'ftp://example.com', 'not a url'])('%s is refused', (url) => {
    expect(() => parseOdooUrl(url)).toThrow(TypeError);
  });

  test('the refusal does not echo a password', () => {
    expect(() => parseOdooUrl('http://user:hunter2@')).toThrow(/^(?!.*hunter2)/);
  });
});
