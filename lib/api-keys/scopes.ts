/** What a tenant API key may be allowed to do; each API route names the scope it needs. */
export const apiScopes = [
  'documents:read',
  'documents:write',
  'documents:delete',
  'usage:read',
  'usage:write',
] as const;
export type ApiScope = (typeof apiScopes)[number];
