import 'server-only';

export {
  DecryptionError,
  generateDataKey,
  keyVersionOf,
  localKeyProvider,
  openField,
  sealField,
  type FieldContext,
  type KeyProvider,
} from './envelope';
export { isSealed, type Keyring } from './keys';
export { readingKeyring, writingKeyring } from './keyring';
export {
  continueRotation,
  destroyTenantKeys,
  encryptionOverview,
  rewrapDataKeys,
  rotateKeyNow,
  runKeyJobs,
  saveEncryptionPolicy,
  type EncryptionOverview,
  type KeyJobReport,
  type KeyVersionDTO,
  type RotationDTO,
} from './management';
export { encryptionPolicyInput, ROTATION_INTERVAL_CHOICES } from './schemas';
export { sealedTables, type SealedTable } from './sealed-columns';
