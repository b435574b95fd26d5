import {
  CreateDistributionWithTagsCommand, GetDistributionCommand, GetDistributionConfigCommand, ListTagsForResourceCommand, UpdateDistributionCommand,
  paginateListDistributions, type Distribution, type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import type { AwsClients } from '../aws/clients';
import { awsErrorCode, isNotFound } from '../aws/classify';
import type { StepContext } from '../context';
import { GeuseError } from '../errors';
import type { StepResult } from '../graph/run-graph';
import { stackTags, tagValue, TAG_RESOURCE, TAG_STACK, TAG_STACK_ID } from '../stack/naming';
import { pollUntil } from '../wait';
import { ensureResource, type Found } from './ensure';
import type { WithId } from './network';
import { isTransient } from './once';
import { ORIGIN_HEADER } from './load-balancer';
import { LB_KEYS } from './public-url';
import { ORIGIN_SECRET, secretValue } from './secrets';

/** Managed policies (AWS CloudFront Developer Guide, "Use managed cache / origin request policies"). */
export const CACHING_DISABLED_POLICY_ID = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
/**
 * AllViewer forwards every viewer header, cookie and query string. That includes the Upgrade, Connection and
 * Sec-WebSocket-* headers, so WebSockets (n8n's editor push, ComfyUI's progress) pass through CloudFront, which
 * supports them natively once caching is off and those headers reach the origin. The viewer's Host (the
 * distribution's domain) reaches n8n too, so its Origin check matches; the ALB does no host routing.
 */
export const ALL_VIEWER_ORIGIN_REQUEST_POLICY_ID = '216adef6-5c7f-47e4-b989-5492eafa07d3';
/** The highest origin read timeout CloudFront allows without a quota increase. */
export const ORIGIN_READ_TIMEOUT_SECONDS = 60;
const ORIGIN_ID = 'geusemaker-alb';

export const distributionComment = (stack: string): string => `GeuseMaker stack ${stack}`;

function toFound(distribution: Distribution): Found {
  return { id: distribution.Id!, attrs: { domainName: distribution.DomainName ?? '', arn: distribution.ARN ?? '' } };
}

async function getDistribution(clients: AwsClients, id: string): Promise<{ distribution: Distribution; etag?: string } | undefined> {
  try {
    const out = await clients.cloudfront.send(new GetDistributionCommand({ Id: id }));
    return out.Distribution ? { distribution: out.Distribution, etag: out.ETag } : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Our distributions carry the stack's comment and tags; tags say whose they are (the comment only narrows the search). */
export async function findStackDistributions(clients: AwsClients, stack: string): Promise<{ id: string; arn: string; domainName: string; status: string; tags: { Key?: string; Value?: string }[] }[]> {
  const found = [];
  for await (const page of paginateListDistributions({ client: clients.cloudfront }, {})) {
    for (const item of page.DistributionList?.Items ?? []) {
      if (item.Comment !== distributionComment(stack)) continue;
      const tags = (await clients.cloudfront.send(new ListTagsForResourceCommand({ Resource: item.ARN! }))).Tags?.Items ?? [];
      if (tagValue(tags, TAG_STACK) !== stack) continue;
      found.push({ id: item.Id!, arn: item.ARN!, domainName: item.DomainName ?? '', status: item.Status ?? '', tags });
    }
  }
  return found;
}

function distributionConfig(ctx: StepContext, callerReference: string, albDns: string, secret: string): DistributionConfig {
  return {
    CallerReference: callerReference,
    Comment: distributionComment(ctx.stack),
    Enabled: true,
    PriceClass: 'PriceClass_100',
    HttpVersion: 'http2and3',
    IsIPV6Enabled: true,
    ViewerCertificate: { CloudFrontDefaultCertificate: true },
    Origins: {
      Quantity: 1,
      Items: [{
        Id: ORIGIN_ID,
        DomainName: albDns,
        // http-only: no certificate can exist for *.elb.amazonaws.com, so an https origin would answer 502.
        CustomOriginConfig: {
          HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only',
          OriginReadTimeout: ORIGIN_READ_TIMEOUT_SECONDS, OriginKeepaliveTimeout: 60,
          OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
        },
        CustomHeaders: { Quantity: 1, Items: [{ HeaderName: ORIGIN_HEADER, HeaderValue: secret }] },
        ConnectionAttempts: 3,
        ConnectionTimeout: 10,
      }],
    },
    DefaultCacheBehavior: {
      TargetOriginId: ORIGIN_ID,
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: {
        Quantity: 7, Items: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
        CachedMethods: { Quantity: 2, Items: ['GET', 'HEAD'] },
      },
      CachePolicyId: CACHING_DISABLED_POLICY_ID,
      OriginRequestPolicyId: ALL_VIEWER_ORIGIN_REQUEST_POLICY_ID,
      Compress: true,
    },
  };
}

/**
 * DistributionAlreadyExists names the distribution holding the CallerReference ("Already exists: E…"). It is
 * ours when that reference is the token we journaled: the tag search may not see it (tags are a second write).
 */
async function holderOfToken(ctx: StepContext, error: unknown, token: string): Promise<Found | undefined> {
  const id = /Already exists:\s*([A-Z0-9]+)/.exec(error instanceof Error ? error.message : '')?.[1];
  const got = id ? await getDistribution(ctx.clients, id) : undefined;
  return got?.distribution.DistributionConfig?.CallerReference === token ? toFound(got.distribution) : undefined;
}

/**
 * Created as soon as the load balancer has a DNS name: CloudFront's minutes-long deployment then overlaps
 * the instance's boot. CallerReference is the idempotency token journaled as intent.
 */
export async function ensureDistribution(ctx: StepContext, albDns: string): Promise<WithId> {
  const orphan = async (): Promise<Found | undefined> => {
    const ours = (await findStackDistributions(ctx.clients, ctx.stack))
      .find((d) => tagValue(d.tags, TAG_STACK_ID) === ctx.stackId && tagValue(d.tags, TAG_RESOURCE) === LB_KEYS.distribution);
    return ours ? { id: ours.id, attrs: { domainName: ours.domainName, arn: ours.arn } } : undefined;
  };
  const { found, outcome } = await ensureResource(ctx, {
    key: LB_KEYS.distribution, kind: 'cloudfront-distribution',
    describe: async (id) => {
      const got = await getDistribution(ctx.clients, id);
      return got ? toFound(got.distribution) : undefined;
    },
    findOrphan: orphan,
    create: async (token) => {
      const secret = await secretValue(ctx, ORIGIN_SECRET);
      try {
        const out = await ctx.clients.cloudfront.send(new CreateDistributionWithTagsCommand({
          DistributionConfigWithTags: {
            DistributionConfig: distributionConfig(ctx, token, albDns, secret),
            Tags: { Items: stackTags(ctx, LB_KEYS.distribution, `gm-${ctx.stack}`) },
          },
        }));
        return toFound(out.Distribution!);
      } catch (error) {
        // Same CallerReference already used: the earlier attempt created it; take that one.
        const existing = awsErrorCode(error) === 'DistributionAlreadyExists' ? await holderOfToken(ctx, error, token) : undefined;
        if (existing) return existing;
        throw error;
      }
    },
  });
  const repaired = await reconcileDistribution(ctx, found.id, albDns);
  return { outcome: repaired ? 'done' : outcome, detail: `https://${found.attrs?.domainName ?? ''}/ (${found.id}; origin http-only → the load balancer)`, id: found.id };
}

/**
 * A reused distribution may be disabled (a destroy stopped after disabling it), point at an older load balancer,
 * or send an outdated origin secret: any of these and the URL serves nothing. Re-enable and re-point it
 * (IfMatch the ETag just read; re-read when someone else wrote meanwhile); the Deployed wait then covers the update.
 */
async function reconcileDistribution(ctx: StepContext, id: string, albDns: string): Promise<boolean> {
  const secret = await secretValue(ctx, ORIGIN_SECRET);
  let repairs: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const { DistributionConfig: config, ETag: etag } = await ctx.clients.cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
    if (!config) throw new Error(`CloudFront returned no configuration for distribution ${id}`);
    const origin = config.Origins?.Items?.find((o) => o.Id === ORIGIN_ID) ?? config.Origins?.Items?.[0];
    const header = origin?.CustomHeaders?.Items?.find((h) => h.HeaderName === ORIGIN_HEADER)?.HeaderValue;
    const wrong = [
      ...(config.Enabled ? [] : ['disabled']),
      ...(origin?.DomainName === albDns ? [] : ['pointing at another origin']),
      ...(header === secret ? [] : ['sending an outdated origin header']),
    ];
    if (wrong.length === 0) break;
    const origins = (config.Origins?.Items ?? []).map((o) => (o === origin
      ? { ...o, DomainName: albDns, CustomHeaders: { Quantity: 1, Items: [{ HeaderName: ORIGIN_HEADER, HeaderValue: secret }] } }
      : o));
    try {
      await ctx.clients.cloudfront.send(new UpdateDistributionCommand({
        Id: id, IfMatch: etag, DistributionConfig: { ...config, Enabled: true, Origins: { Quantity: origins.length, Items: origins } },
      }));
    } catch (error) {
      // Someone wrote meanwhile, or the answer was lost (not re-sent: the ETag moved): the next read tells.
      if ((awsErrorCode(error) === 'PreconditionFailed' || isTransient(error)) && attempt < 3) {
        if (isTransient(error)) repairs = wrong;
        continue;
      }
      throw error;
    }
    repairs = wrong;
    break;
  }
  if (repairs.length === 0) return false;
  await ctx.report.note(`CloudFront distribution ${id} was ${repairs.join(', ')}; it is updated to serve the stack again (CloudFront redeploys it, 5–20 min).`);
  return true;
}

/** Its own step that nothing depends on: the rest of the stack finishes while CloudFront deploys. */
export async function waitDistributionDeployed(ctx: StepContext, id: string): Promise<StepResult> {
  const timeoutMs = ctx.timing.distributionDeployedTimeoutMs ?? ctx.config.timeouts.cloudFrontDeployedMinutes * 60_000;
  const what = `CloudFront distribution ${id} to deploy`;
  await pollUntil(async () => {
    const got = await getDistribution(ctx.clients, id);
    if (!got) throw new GeuseError({ code: 'DISTRIBUTION_GONE', kind: 'not-found', message: `CloudFront distribution ${id} disappeared while deploying.`, nextStep: 'Run deploy again to create it anew.' });
    if (got.distribution.Status === 'Deployed') return true;
    ctx.report.waiting(`${what} (${got.distribution.Status ?? 'unknown'}; CloudFront usually takes 5–20 min)`);
    return undefined;
  }, {
    what, intervalMs: ctx.timing.pollIntervalMs * 2, timeoutMs, signal: ctx.report.signal,
    timeoutNextStep: 'CloudFront keeps deploying in AWS and the stack works through it once it is done. Run deploy again to keep waiting, or raise timeouts.cloudFrontDeployedMinutes.',
  });
  return { outcome: 'done', detail: `${id} Deployed` };
}
