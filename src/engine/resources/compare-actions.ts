import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';

/**
 * Does a listener's (or rule's) action as DescribeListeners / DescribeRules return it do what `wanted` asks?
 * AWS fills in what a request left out (a forward's ForwardConfig, a redirect's host, path and query), so those
 * are compared with the values AWS gives them, not field by field.
 */
export function sameAction(live: Action, wanted: Action): boolean {
  if (live.Type !== wanted.Type) return false;
  switch (wanted.Type) {
    case 'forward':
      return forwardTarget(live) !== undefined && forwardTarget(live) === forwardTarget(wanted);
    case 'fixed-response': {
      const [a, b] = [live.FixedResponseConfig, wanted.FixedResponseConfig];
      return a?.StatusCode === b?.StatusCode && (a?.ContentType ?? '') === (b?.ContentType ?? '') && (a?.MessageBody ?? '') === (b?.MessageBody ?? '');
    }
    case 'redirect': {
      const [a, b] = [live.RedirectConfig, wanted.RedirectConfig];
      // AWS's values for what a redirect leaves out: the request's own (ELB User Guide, "Redirect actions").
      const keep = { Protocol: '#{protocol}', Port: '#{port}', Host: '#{host}', Path: '/#{path}', Query: '#{query}' } as const;
      return a?.StatusCode === b?.StatusCode
        && (Object.keys(keep) as (keyof typeof keep)[]).every((key) => (a?.[key] ?? keep[key]) === (b?.[key] ?? keep[key]));
    }
    default:
      // An action we never write: converge it to ours.
      return false;
  }
}

/** The one target group a forward sends to; undefined when it splits between several (not ours). */
function forwardTarget(action: Action): string | undefined {
  const groups = action.ForwardConfig?.TargetGroups ?? [];
  if (groups.length > 1) return undefined;
  return action.TargetGroupArn ?? groups[0]?.TargetGroupArn;
}
