import 'server-only';

export type { SessionSummaryDTO, ViewerDTO } from './sessions';
export { listActiveSessions, revokeSession, revokeSessionsOf } from './sessions';
export type { OperatorSignInResult, SignInResult } from './config';
export {
  getOperator,
  getViewer,
  signInOperator,
  signInWithPassword,
  signOutOperator,
  signOutViewer,
} from './config';
