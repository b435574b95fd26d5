import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { AWS_REGIONS, DEFAULT_INSTANCE_TYPE, DEFAULT_TIER, TIERS } from '../engine';

/** The extension's settings as the engine needs them; each one is checked, and a bad value is reported by name. */
export const settingsSchema = z.object({
  awsProfile: z.string().trim().regex(/^[\w+=,.@/-]*$/, { error: 'must be a profile name from ~/.aws/config (letters, digits, and _+=,.@-/)' }).default(''),
  region: z.enum(AWS_REGIONS, { error: 'is not an AWS region GeuseMaker knows (e.g. us-east-1)' }).default('us-east-1'),
  endpoint: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:5000, or empty for real AWS' })]).default(''),
  stateDirectory: z.string().refine((value) => value === '' || isAbsolute(value), { error: 'must be an absolute folder path, or empty for this workspace\'s storage' }).default(''),
  refreshIntervalSeconds: z.number({ error: 'must be a number of seconds' }).int().min(5, { error: 'must be at least 5 seconds' }).max(3600).default(30),
  defaultTier: z.enum(TIERS, { error: `must be one of ${TIERS.join(', ')}` }).default(DEFAULT_TIER),
  defaultInstanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must look like an EC2 instance type such as t3.xlarge' }).default(DEFAULT_INSTANCE_TYPE),
  defaultMarket: z.enum(['spot', 'on-demand'], { error: 'must be spot or on-demand' }).default('spot'),
  sessionManagerPluginPath: z.string().default(''),
  spotMinSavingPercent: z.number({ error: 'must be a whole percentage' }).int({ error: 'must be a whole percentage' }).min(0, { error: 'must be 0 to 90' }).max(90, { error: 'must be 0 to 90' }).default(20),
});
export type Settings = z.output<typeof settingsSchema>;
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as (keyof Settings)[];

export interface SettingsProblem {
  setting: string;
  message: string;
}

/**
 * Parses raw setting values. A bad value falls back to its default (so the rest keeps working) and is
 * returned as a problem naming the setting, for the UI to report.
 */
export function parseSettings(raw: Partial<Record<keyof Settings, unknown>>): { settings: Settings; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  const clean: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    const field = settingsSchema.shape[key].safeParse(value);
    if (field.success) clean[key] = field.data;
    else problems.push({ setting: `geusemaker.${key}`, message: `geusemaker.${key} ${field.error.issues[0]?.message ?? 'is not valid'} (it is ${JSON.stringify(value)}); using the default until it is fixed.` });
  }
  return { settings: settingsSchema.parse(clean), problems };
}
