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
export { sealedTables, type SealedTable } from './sealed-columns';
