import 'server-only';

export { defineOperation, type ApiOperation, type HttpMethod } from './contract';
export { errorResponse, json, type ApiErrorBody } from './respond';
export {
  platformRoute,
  tenantRoute,
  type ApiResult,
  type PlatformRouteContext,
  type RouteHandler,
  type TenantRouteContext,
} from './handler';
export * from './platform-v1';
export * from './openapi';
export * from './tenant-v1';
export * from './platform-jobs';
