import 'server-only';

export type { ViewerDTO } from './sessions';
export type { OperatorSignInResult, SignInResult } from './config';
export {
  getOperator,
  getViewer,
  signInOperator,
  signInWithPassword,
  signOutOperator,
  signOutViewer,
} from './config';
