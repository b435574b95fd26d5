/* The backup, secret and upgrade services' types, from the one engine surface (src/engine/index.ts). */
export type {
  RestorePlan, RestoreResult, RotatableSecret, RotationPlan, RotationResult, SecretAge, StackBackup, TakenBackup, UpgradePlan, UpgradeResult,
} from '../engine';
