import 'server-only';
import { reportSecurityEvent, type ActivityRequest } from '@/lib/activity';
import type { Actor } from '@/lib/audit';
import { errorResponse } from '@/lib/api/respond';
import type { ViewerDTO } from '@/lib/auth';
import { AppError } from '@/lib/errors';
import { hasPermission, type Permission } from '@/lib/rbac';
import type { TenantContextDTO } from '@/lib/tenancy';
import type { ResolvedRequest } from './pipeline';

export type TenantDownloadDefinition = {
  /** The permission the download needs (checked here, where the data is served). */
  permission: Permission;
  /** Names the operation in a refusal's security event, e.g. `log.export`. */
  operation: string;
  /** Where a download should start, for the cross-site refusal: "the audit log page". */
  startFrom: string;
  /** What is downloaded, for messages: "the audit log". */
  what: string;
};

export type TenantDownloadContext = {
  tenant: TenantContextDTO;
  viewer: ViewerDTO;
  actor: Actor;
  request: ActivityRequest;
  url: URL;
};

/**
 * A cookie-authenticated GET that serves tenant data as a file (CSV and JSON exports). It checks
 * what a page and an action would, in order: the host's tenant (not suspended) → not a
 * cross-site request (the download writes log rows and serves data, so only this origin's pages
 * or the address bar may start it; another site or another tenant's subdomain may not) → a live
 * session → `permission` (a refusal is recorded in the security log); then `work` answers.
 * Errors answer in the APIs' JSON shape, without `WWW-Authenticate` (the credential is a cookie).
 */
export async function runTenantDownload(
  resolved: ResolvedRequest,
  httpRequest: Request,
  definition: TenantDownloadDefinition,
  work: (ctx: TenantDownloadContext) => Promise<Response>,
): Promise<Response> {
  const { requestId, ip, userAgent } = resolved.request;
  const request = { requestId, ip, userAgent };
  let tenantId: string | undefined;
  try {
    const tenant = await resolved.tenant();
    if (!tenant) throw new AppError('not_found', 'Not found.');
    tenantId = tenant.id;
    if (tenant.status === 'suspended')
      throw new AppError('tenant_suspended', 'This workspace is suspended.');
    const site = httpRequest.headers.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none')
      throw new AppError('forbidden', `Start the download from ${definition.startFrom}.`);
    const viewer = await resolved.viewer();
    if (!viewer) throw new AppError('unauthenticated', `Sign in to download ${definition.what}.`);
    const actor = { type: 'user', id: viewer.userId } as const;
    if (!hasPermission(viewer, definition.permission)) {
      await reportSecurityEvent({
        tenantId: tenant.id,
        actor,
        action: 'permission.denied',
        channel: 'export',
        metadata: { permission: definition.permission, operation: definition.operation },
        request,
      });
      throw new AppError('forbidden', `You do not have access to ${definition.what}.`);
    }
    return await work({ tenant, viewer, actor, request, url: new URL(httpRequest.url) });
  } catch (error) {
    const response = errorResponse(error, { requestId, tenantId });
    response.headers.delete('www-authenticate');
    return response;
  }
}

/** The query string as the search parsers take it: every value of every key. */
export function queryOf(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key);
  return query;
}

/** A file answer: no caching, no sniffing, the given name. */
export function fileResponse(
  body: string,
  params: { contentType: string; filename: string; headers?: Record<string, string> },
): Response {
  return new Response(body, {
    headers: {
      'content-type': params.contentType,
      'content-disposition': `attachment; filename="${params.filename}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...params.headers,
    },
  });
}
