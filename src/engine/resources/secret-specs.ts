import { usesCloudFront, type StackConfig } from '../stack/config';

/* Plain data (no AWS SDK): the stack's kinds and plan read which secrets exist without loading SSM. */

/** The stack's generated secrets. They protect or open the data on EFS, so they are kept with it. */
export const SECRETS = [
  { key: 'secret-postgres-password', name: 'postgres-password', bytes: 24 },
  { key: 'secret-n8n-encryption-key', name: 'n8n-encryption-key', bytes: 32 },
  // n8n requires a digit, an uppercase and a lowercase letter in the owner password.
  { key: 'secret-n8n-owner-password', name: 'n8n-owner-password', bytes: 18, allClasses: true },
  { key: 'secret-qdrant-api-key', name: 'qdrant-api-key', bytes: 32 },
  { key: 'secret-crawl4ai-api-token', name: 'crawl4ai-api-token', bytes: 32 },
  // Basic-auth password for services with no login of their own (Ollama, ComfyUI) behind the proxy.
  { key: 'secret-proxy-password', name: 'proxy-password', bytes: 18 },
] as const;

export type SecretSpec = { key: string; name: string; bytes: number; allClasses?: boolean };

/** CloudFront sends it as a header; the load balancer forwards only requests that carry it (no bypass of CloudFront). */
export const ORIGIN_SECRET = { key: 'secret-origin-header', name: 'origin-header', bytes: 32 } as const;

/** The queue's AUTH token (scale): ElastiCache takes 16–128 printable characters; base64url of 32 bytes is 43. */
export const REDIS_SECRET = { key: 'secret-redis-auth-token', name: 'redis-auth-token', bytes: 32 } as const;

/** The secrets a stack needs: the origin header only when CloudFront fronts it, the queue's token only when it scales out. */
export function stackSecrets(config: StackConfig): readonly SecretSpec[] {
  return [...SECRETS, ...(usesCloudFront(config) ? [ORIGIN_SECRET] : []), ...(config.scale ? [REDIS_SECRET] : [])];
}
