/**
 * ODOO_URL as the XML-RPC transport needs it: `http://odoo:8069`, `https://erp.example.com`, or
 * behind a reverse proxy under a path, `https://example.com/odoo` (→ /odoo/xmlrpc/2/object).
 */
export interface OdooEndpoint {
  secure: boolean;
  host: string;
  port: number;
  /** Path before `/xmlrpc/2/…`, without a trailing slash ('' at the root). */
  pathPrefix: string;
  basicAuth: { user: string; pass: string } | null;
  /** The URL without credentials, safe to log. */
  display: string;
}

export function parseOdooUrl(raw: string): OdooEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`ODOO_URL is not a valid URL: ${JSON.stringify(raw.replace(/\/\/[^@/]*@/, '//***@'))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`ODOO_URL must start with http:// or https:// (got ${url.protocol})`);
  }
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const pathPrefix = url.pathname.replace(/\/+$/, '').replace(/\/(?:xmlrpc(?:\/2)?|web)$/, '');
  const basicAuth = url.username
    ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
    : null;
  // URL.hostname keeps IPv6 brackets; http.request wants them off.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    secure,
    host,
    port,
    pathPrefix,
    basicAuth,
    display: `${url.protocol}//${url.host}${pathPrefix}`,
  };
}
