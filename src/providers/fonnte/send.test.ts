import { describe, expect, test } from 'vitest';
import { interpretFonnteAnswer } from './send.js';

const answer = (text: string, status = 200) => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return interpretFonnteAnswer(status, json, text);
};

describe("reading Fonnte's /send answer (HTTP 200 even when it refuses)", () => {
  test.each([
    ['ids as strings', '{"detail":"success! message in queue","id":["80367170"],"process":"pending","status":true,"target":["6281299990000"]}', '80367170'],
    ['ids as numbers', '{"id":[80367171],"status":true}', '80367171'],
    ['a bare id', '{"id":"80367172","status":true}', '80367172'],
    // Regression: JSON.parse rounds 9007199254740993 to …992, which could give two messages one id.
    ['an id beyond 2^53, digit for digit', '{"id":[9007199254740993],"status":true}', '9007199254740993'],
  ])('%s → sent', (_name, text, id) => {
    expect(answer(text)).toEqual({ kind: 'sent', providerMessageId: id });
  });

  test.each([
    ['token invalid', '{"reason":"token invalid","requestid":2937125,"status":false}', 'Fonnte: token invalid'],
    ['target invalid', '{"reason":"target invalid","status":false}', 'Fonnte: target invalid'],
  ])('a refusal (%s) is final', (_name, text, reason) => {
    expect(answer(text)).toEqual({ kind: 'rejected', reason });
  });

  test('accepted without an id, or an unreadable 200: the outcome is unknown (never resent blindly)', () => {
    expect(answer('{"status":true}')?.kind).toBe('unknown');
    expect(answer('<html>oops</html>')?.kind).toBe('unknown');
  });

  test('a non-200 answer is left to the HTTP layer (retried or failed there)', () => {
    expect(answer('{}', 502)).toBeUndefined();
  });
});
