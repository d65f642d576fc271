import 'server-only';

export type { SessionSummaryDTO, ViewerDTO } from './sessions';
export { listActiveSessions, revokeSession, revokeSessionsOf } from './sessions';
export type { PendingSignInDTO } from './pending';
export { pendingSignInPath } from './pending';
export { confirmEnrolmentStep, verifySecondStep, type SecondStepOutcome } from './second-step';
export type { OperatorSignInResult, SignInResult, SsoSignInStart } from './config';
export {
  cancelPendingSignIn,
  getOperator,
  getPendingSignIn,
  getViewer,
  signInOperator,
  signInWithPassword,
  signOutOperator,
  signOutViewer,
  startSsoSignIn,
} from './config';
