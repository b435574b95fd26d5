import { usesCloudFront, type StackConfig } from '../stack/config';
import { isLoadBalanced } from '../tiers';
import type { ResourceRecord } from '../state/schema';

/** Journal keys of the load-balanced tiers' resources. */
export const LB_KEYS = {
  securityGroup: 'sg-alb',
  loadBalancer: 'alb',
  targetGroup: 'target-group',
  httpListener: 'listener-http',
  httpsListener: 'listener-https',
  originRule: 'listener-rule-origin',
  distribution: 'cloudfront',
} as const;

/**
 * The stack's public URL from what the journal knows: CloudFront's https domain when the stack has one,
 * else the load balancer (https with the user's certificate), else the instance's proxy in cidr mode.
 */
export function publicUrlFrom(config: StackConfig, resources: Readonly<Record<string, ResourceRecord>>): string | undefined {
  const live = (key: string) => {
    const record = resources[key];
    return record && record.status === 'created' ? record : undefined;
  };
  if (isLoadBalanced(config.tier)) {
    if (usesCloudFront(config)) {
      const domain = live(LB_KEYS.distribution)?.attrs.domainName;
      return domain ? `https://${domain}/` : undefined;
    }
    const dns = live(LB_KEYS.loadBalancer)?.attrs.dnsName;
    return dns ? `${config.certificateArn ? 'https' : 'http'}://${dns}/` : undefined;
  }
  if (config.access.mode !== 'cidr') return undefined;
  const instance = Object.values(resources).find((r) => r.kind === 'instance' && r.status === 'created');
  return instance?.attrs.publicIp ? `http://${instance.attrs.publicIp}/` : undefined;
}
