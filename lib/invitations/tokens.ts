import { createHash, randomBytes } from 'node:crypto';

/** How long an invitation link works. */
export const INVITATION_TTL_DAYS = 7;

// 32 random bytes in base64url: 43 characters, 256 bits. A fast hash is enough at that entropy.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function isInvitationToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new link token and the hash that is stored; the token itself goes into the e-mail only. */
export function newInvitationToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashInvitationToken(token) };
}
