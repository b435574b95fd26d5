import { type StackStatus } from '../../engine';

/** How a status looks: a codicon id, a theme colour id, and the words shown in the tree. */
export interface StatusLook {
  icon: string;
  color?: string;
  label: string;
  /** Still changing: the tree polls faster until it settles, and the icon spins. */
  transitional: boolean;
  /** Something is billed by the hour (compute is, or may be, running). */
  billing: boolean;
}

const LOOKS: Record<StackStatus, StatusLook> = {
  new: { icon: 'circle-outline', color: 'disabledForeground', label: 'not deployed', transitional: false, billing: false },
  deploying: { icon: 'sync~spin', color: 'charts.blue', label: 'deploying', transitional: true, billing: true },
  deployed: { icon: 'vm-running', color: 'charts.green', label: 'running', transitional: false, billing: true },
  deploy_failed: { icon: 'error', color: 'errorForeground', label: 'deploy failed', transitional: false, billing: true },
  pausing: { icon: 'sync~spin', color: 'charts.yellow', label: 'pausing', transitional: true, billing: true },
  paused: { icon: 'debug-pause', color: 'charts.yellow', label: 'paused', transitional: false, billing: false },
  destroying: { icon: 'sync~spin', color: 'charts.orange', label: 'destroying', transitional: true, billing: true },
  destroy_failed: { icon: 'error', color: 'errorForeground', label: 'destroy failed', transitional: false, billing: true },
  destroyed: { icon: 'archive', color: 'descriptionForeground', label: 'destroyed, data kept', transitional: false, billing: false },
};

export function statusLook(status: StackStatus): StatusLook {
  return LOOKS[status];
}

/**
 * The look of a stack, with the kind of deploy named: a resume and an update are deploys to the engine, but
 * the user asked for something else. The status it had before it started changing says which.
 */
export function stackLook(status: StackStatus, before?: StackStatus): StatusLook {
  const look = LOOKS[status];
  if (status !== 'deploying') return look;
  if (before === 'paused') return { ...look, label: 'resuming' };
  if (before === 'deployed') return { ...look, label: 'updating' };
  return look;
}

export type HealthStatus = 'healthy' | 'starting' | 'unhealthy' | 'stopped' | 'unknown';

const HEALTH_LOOKS: Record<HealthStatus, { icon: string; color?: string }> = {
  healthy: { icon: 'pass-filled', color: 'testing.iconPassed' },
  starting: { icon: 'loading~spin', color: 'charts.yellow' },
  unhealthy: { icon: 'error', color: 'testing.iconFailed' },
  stopped: { icon: 'circle-slash', color: 'disabledForeground' },
  unknown: { icon: 'question', color: 'disabledForeground' },
};

export function healthLook(status: HealthStatus): { icon: string; color?: string } {
  return HEALTH_LOOKS[status];
}
