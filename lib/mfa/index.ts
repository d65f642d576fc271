import 'server-only';

export {
  confirmEnrolment,
  describeEnrolment,
  getMfaStatus,
  regenerateRecoveryCodes,
  removeFactor,
  resetFactor,
  signInStepFor,
  startEnrolment,
  verifySecondFactor,
  type EnrolmentDTO,
  type MfaStatusDTO,
  type SecondFactorCheck,
} from './factors';
export { RECOVERY_CODE_COUNT } from './recovery-codes';
export { mfaCodeInput, totpCodeInput } from './schemas';
