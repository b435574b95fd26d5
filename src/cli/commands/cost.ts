import { bundledPlacements, FALLBACK_REGION, findConfigFile, GeuseError, isLoadBalanced, loadStackConfig, TIERS } from '../../engine';
import type { Command } from '../command';
import { explain } from '../failure';
import { progressPrinter } from '../interaction';
import { renderCost, renderPlacements } from '../render-cost';

/** Why prices may fall back to the bundled table: AWS was not asked successfully, through no fault in the input. */
const LIVE_PRICES_UNAVAILABLE: ReadonlySet<GeuseError['kind']> = new Set(['transient', 'throttling', 'permission', 'unknown']);

export const prices: Command = {
  name: 'prices',
  usage: 'prices [--tier T | --gpu] [--instance-type T] [--spot-min-saving P]',
  summary: 'Instance types in --region, cheapest first: on-demand, cheapest spot AZ, savings',
  flags: ['tier', 'gpu', 'instance-type', 'region', 'profile', 'spot-min-saving'],
  takesName: false,
  state: 'none',
  async run(s) {
    // No stack is involved: region, tier and profile come from flags, GEUSEMAKER_* or the config file; the name is a stand-in.
    // Access does not matter to prices, but load-balanced tiers require theirs: the stand-in gets it.
    const tier = TIERS.find((known) => known === s.args.flags.tier);
    const balanced = tier !== undefined && isLoadBalanced(tier);
    const standIn = { name: 'prices', ...(balanced && !s.args.flags.access ? { access: { mode: 'load-balancer' as const } } : {}), ...s.args.flags };
    const { config } = await loadStackConfig({ cwd: s.io.cwd, configPath: s.args.configPath, flags: standIn, env: s.io.env });
    const only = s.args.onlyInstanceType ? [config.instanceType] : undefined;
    let placements;
    let warning: string | undefined;
    try {
      placements = await s.engine.placements(config.region, config.tier, config.profile, only);
    } catch (error) {
      // AWS could not be asked (unreachable, no credentials, denied): the bundled table still answers, marked estimated.
      const known = explain(error, s);
      if (!(known instanceof GeuseError) || !LIVE_PRICES_UNAVAILABLE.has(known.kind)) throw known;
      placements = bundledPlacements(config.tier, config.region, known.code, only);
      if (placements.length === 0) throw known;
      warning = `Live prices are not available: ${known.message} Listed instead: GeuseMaker's bundled ${FALLBACK_REGION} on-demand list prices, all estimated, without spot prices or AZs. For live prices: ${known.nextStep}`;
    }
    if (s.args.json) {
      // stderr carries JSON lines in --json mode: the warning goes as a note event, and in the document.
      if (warning) progressPrinter(s).listener({ type: 'note', message: warning });
      s.json({ region: config.region, tier: config.tier, placements, ...(warning ? { warning } : {}) });
      return;
    }
    if (warning) s.err([`! ${warning}`]);
    s.out(renderPlacements(config.region, config.tier, placements));
  },
};

export const cost: Command = {
  name: 'cost',
  usage: 'cost [name] [--spot-min-saving P]',
  summary: 'Monthly estimate per stack and in total, broken down, with each price\'s source',
  flags: ['config', 'spot-min-saving'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const listings = await s.engine.list();
    const wanted = s.args.name ?? (findConfigFile(s.io.cwd) ? (await s.loadConfig()).config.name : undefined);
    const states = listings.flatMap((l) => (l.state && (wanted === undefined || l.name === wanted) ? [l.state] : []));
    if (wanted !== undefined && states.length === 0) throw s.stackNotFound(wanted);
    const estimates = await Promise.all(states.map(async (state) => ({
      name: state.name, status: state.status, estimate: await s.engine.stackEstimate(state), toDate: await s.engine.costToDate(state.name),
      budget: await s.engine.budget(state.name),
    })));
    if (s.args.json) {
      s.json({ stacks: estimates, totalUsd: Math.round(estimates.reduce((sum, e) => sum + e.estimate.totalUsd, 0) * 100) / 100 });
      return;
    }
    s.out(renderCost(estimates));
  },
};
