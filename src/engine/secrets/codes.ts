import type { ErrorCode } from '../error-codes';

/** The n8n encryption key is never rotated: n8n cannot re-encrypt its stored credentials with a new key. */
export const SECRET_NOT_ROTATABLE: ErrorCode = 'SECRET_NOT_ROTATABLE';
/** A rotation failed (a step on the instance, or the health round after it) and the old values were put back. */
export const ROTATION_UNDONE: ErrorCode = 'ROTATION_UNDONE';
/** A rotation failed and putting the old values back failed too. */
export const ROTATION_NOT_UNDONE: ErrorCode = 'ROTATION_NOT_UNDONE';
/** The stack was not healthy before a rotation, so the health round after it could not tell whether it worked. */
export const STACK_NOT_HEALTHY: ErrorCode = 'STACK_NOT_HEALTHY';
