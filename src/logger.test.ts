import { describe, expect, test } from 'vitest';
import { maskUrl } from './logger.js';

describe('maskUrl', () => {
  test.each([
    ['/api/wa/webhook?secret=abc', '/api/wa/webhook?secret=***'],
    ['/api/wa/webhook/meta?hub.mode=subscribe&hub.verify_token=tok&hub.challenge=42', '/api/wa/webhook/meta?hub.mode=subscribe&hub.verify_token=***&hub.challenge=42'],
    ['/x?hub_verify_token=tok', '/x?hub_verify_token=***'],
    ['/x?access_token=a&api-key=b&Password=c', '/x?access_token=***&api-key=***&Password=***'],
    ['/api/wa/get_history?phone=0812&limit=5', '/api/wa/get_history?phone=0812&limit=5'],
    ['/healthz', '/healthz'],
  ])('%s → %s', (url, masked) => expect(maskUrl(url)).toBe(masked));
});
