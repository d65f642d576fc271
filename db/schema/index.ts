export * from './roles';
export * from './tenants';
export * from './users';
export * from './documents';
export * from './audit';
export * from './api-keys';
export * from './invitations';
export * from './mail';
