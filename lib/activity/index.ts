import 'server-only';

/**
 * The tenant's access and security logs (table `activity_events`), beside the audit trail:
 * - recording: `recordAccess` and `recordSecurityEvent` in the caller's transaction,
 *   `reportSecurityEvent` in one of its own (for refusals, whose transaction rolls back);
 * - reading: `searchActivityEvents` (keyset pages) and `exportLog` (any of the three logs).
 */
export {
  channelOf,
  recordAccess,
  recordSecurityEvent,
  reportSecurityEvent,
  type AccessAction,
  type AccessEntry,
  type ActivityRequest,
  type SecurityEntry,
} from './record';
export {
  activitySearchInput,
  activityToCsv,
  parseActivitySearch,
  readActivityEvents,
  searchActivityEvents,
  type ActivityPage,
  type ActivityRecordDTO,
} from './search';
export { exportLog, isLogKind, logKinds, type LogExport, type LogKind } from './export';
export {
  accessActionGroups,
  activityActionGroups,
  activityActionLabel,
  securityActionGroups,
} from './labels';
