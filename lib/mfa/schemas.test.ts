import { describe, expect, it } from 'vitest';
import { mfaCodeInput, totpCodeInput } from './schemas';

describe('code inputs', () => {
  it('take a first code of six digits, spaces allowed', () => {
    expect(totpCodeInput.parse({ code: ' 123 456 ' })).toEqual({ code: '123456' });
    expect(totpCodeInput.safeParse({ code: '12345' }).error?.issues[0]?.message).toBe(
      'Enter the 6-digit code from your app.',
    );
  });

  it('take either kind of code at sign-in, but not an empty or overlong one', () => {
    expect(mfaCodeInput.parse({ code: ' abcd-efgh-jkmn-pqrs ' })).toEqual({
      code: 'abcd-efgh-jkmn-pqrs',
    });
    expect(mfaCodeInput.safeParse({ code: '  ' }).success).toBe(false);
    expect(mfaCodeInput.safeParse({ code: 'x'.repeat(65) }).success).toBe(false);
  });
});
