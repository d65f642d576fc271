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
