import type { Engine } from '../engine';

/*
 * The backup, secret and upgrade services' types as the extension sees them, read off the Engine's members so the
 * extension keeps to the one engine surface (src/engine/index.ts) and follows the services' signatures.
 */

type Backups = Engine['backups'];
type Secrets = Engine['secrets'];
type Upgrades = Engine['upgrades'];

export type StackBackup = Awaited<ReturnType<Backups['list']>>[number];
export type TakenBackup = Awaited<ReturnType<Backups['backupNow']>>;
export type RestorePlan = Awaited<ReturnType<Backups['planRestore']>>;
export type RestoreResult = Awaited<ReturnType<Backups['restore']>>;

export type SecretAge = Awaited<ReturnType<Secrets['ages']>>[number];
export type RotatableSecret = NonNullable<SecretAge['rotatable']>;
export type RotationPlan = Awaited<ReturnType<Secrets['planRotation']>>;
export type RotationResult = Awaited<ReturnType<Secrets['rotate']>>;

export type UpgradePlan = Awaited<ReturnType<Upgrades['planUpgrade']>>;
export type UpgradeResult = Awaited<ReturnType<Upgrades['upgrade']>>;
