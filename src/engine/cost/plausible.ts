/**
 * Spot prices outside these bounds are not believed. AWS advertises spot at up to 90 % off on-demand, and its
 * default maximum price is the on-demand price: a price under 5 % of on-demand (the emulator's $0.00001/h) or
 * over 10 times it is a bad record, not a market; so is one under $0.0001/h when on-demand is unknown.
 */
export const MIN_SPOT_SHARE_OF_ON_DEMAND = 0.05;
export const MAX_SPOT_OVER_ON_DEMAND = 10;
export const MIN_SPOT_USD_PER_HOUR = 0.0001;

/** The dearest EC2 instance lists at about $400/h (u7in-32tb): an on-demand answer of zero or far above is a bad record. */
export const MAX_ON_DEMAND_USD_PER_HOUR = 1000;

/** Whether an on-demand price can be used as one: otherwise it is unknown, and the next source is asked. */
export function plausibleOnDemand(usdPerHour: number): boolean {
  return Number.isFinite(usdPerHour) && usdPerHour > 0 && usdPerHour <= MAX_ON_DEMAND_USD_PER_HOUR;
}

/** Whether a spot price can be used as one: otherwise it is unknown, never a 100 % saving. */
export function plausibleSpot(usdPerHour: number, onDemandUsdPerHour?: number): boolean {
  if (!Number.isFinite(usdPerHour) || usdPerHour <= 0) return false;
  if (onDemandUsdPerHour !== undefined && Number.isFinite(onDemandUsdPerHour) && onDemandUsdPerHour > 0) {
    return usdPerHour >= onDemandUsdPerHour * MIN_SPOT_SHARE_OF_ON_DEMAND && usdPerHour <= onDemandUsdPerHour * MAX_SPOT_OVER_ON_DEMAND;
  }
  return usdPerHour >= MIN_SPOT_USD_PER_HOUR;
}

/** 1 − spot / on-demand, only when both prices are plausible. */
export function spotSaving(onDemandUsdPerHour: number | undefined, spotUsdPerHour: number | undefined): number | undefined {
  if (onDemandUsdPerHour === undefined || spotUsdPerHour === undefined) return undefined;
  if (!Number.isFinite(onDemandUsdPerHour) || onDemandUsdPerHour <= 0 || !plausibleSpot(spotUsdPerHour, onDemandUsdPerHour)) return undefined;
  return 1 - spotUsdPerHour / onDemandUsdPerHour;
}

/**
 * The cheapest believable price of a list sorted cheapest first (an emulator's $0.0000 is skipped, never the
 * cheapest), and the cheapest answer as given, for recommendations that weigh it themselves.
 */
export function cheapestPlausible<T extends { usdPerHour: number }>(prices: readonly T[], onDemandUsdPerHour?: number): { cheapest?: T; answered?: number } {
  const cheapest = prices.find((price) => plausibleSpot(price.usdPerHour, onDemandUsdPerHour));
  return { cheapest, answered: cheapest?.usdPerHour ?? prices[0]?.usdPerHour };
}
