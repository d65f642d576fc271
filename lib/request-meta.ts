/**
 * The client's address. Middleware removes X-Forwarded-For unless TRUST_PROXY is set, so Next
 * fills it with the socket's address; behind a trusted proxy its first entry is the client.
 */
export function clientIp(headers: Headers): string | null {
  return headers.get('x-forwarded-for')?.split(',')[0]?.trim() || null;
}
