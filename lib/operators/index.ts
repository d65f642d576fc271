import 'server-only';

/**
 * Platform operators: the people who run the console at /admin on the root domain. Their
 * sessions live in `platform_sessions` (platform role only); every change they make to a
 * tenant goes through lib/tenancy's updateTenant and is audited in that tenant's trail.
 */
export {
  createPlatformSession,
  loadOperatorSession,
  revokePlatformSession,
  PLATFORM_SESSION_ABSOLUTE_SECONDS,
  PLATFORM_SESSION_IDLE_SECONDS,
  type OperatorDTO,
} from './sessions';
export {
  authenticateOperator,
  endOperatorSession,
  operatorSignInInput,
  resolveOperator,
  type OperatorSignInOutcome,
  type OperatorToken,
} from './sign-in';
export { ensurePlatformAdmin, type PlatformAdminOutcome } from './admin';
export {
  changePlanForm,
  changeStatusForm,
  featureChoices,
  limitModes,
  metadataForm,
  overageChoices,
  overridesForm,
  provisionTenantForm,
  tenantIdSchema,
  type TenantChange,
} from './forms';
export {
  entitlementBreakdown,
  formatLimit,
  overagePolicyLabels,
  type EntitlementBreakdown,
  type FeatureEntitlement,
  type LimitEntitlement,
  type OverageEntitlement,
} from './entitlements';
export {
  loadTenantConsole,
  loadTenantDirectory,
  type TenantConsole,
  type TenantDirectory,
  type TenantDirectoryFilters,
} from './page-data';
export {
  defaultDirection,
  listTenantUsage,
  NEAREST_COUNT,
  nearestLimits,
  sortDirections,
  sortTenantUsage,
  usageSortFields,
  usageSortQuery,
  type NearestLimit,
  type SortDirection,
  type TenantUsageList,
  type TenantUsageRow,
  type UsageSort,
  type UsageSortField,
} from './usage';
