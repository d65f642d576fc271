import 'server-only';

export type { ViewerDTO } from './sessions';
export type { SignInResult } from './config';
export { getViewer, signInWithPassword, signOutViewer } from './config';
