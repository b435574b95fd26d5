import { classifyAwsError, explainEndpoint, type Engine, type ResolvedEndpoint } from '../../engine';
import { ACCOUNT_FIXES, type AccountFix, type WizardIdentity } from '../../protocol/wizard';
import { plainError } from '../error-words';
import { fixesFor, type FixAction } from '../ui-errors';

/**
 * The wizard's account step: who the chosen credentials are (sts:GetCallerIdentity), or why they cannot be
 * used, with the buttons that fix it. The fixes are the ones every error message of the extension offers.
 */
export class WizardAccount {
  /** The fixes offered with the last problem, by title, so a button press runs exactly what was shown. */
  private offered: FixAction[] = [];

  constructor(private readonly deps: { engine: () => Engine; assertUsable: () => void; endpoint: () => ResolvedEndpoint | undefined }) {}

  async identify(region: string, profile: string | undefined): Promise<WizardIdentity> {
    const where = { type: 'identity' as const, region, ...(profile ? { profile } : {}) };
    try {
      this.deps.assertUsable();
      const identity = await this.deps.engine().callerIdentity(region, profile);
      this.offered = [];
      return { ...where, account: identity.account, arn: identity.arn.slice(0, 2048) };
    } catch (error) {
      const classified = explainEndpoint(classifyAwsError(error, { profile }), this.deps.endpoint());
      this.offered = fixesFor(classified, profile).filter((fix) => (ACCOUNT_FIXES as readonly string[]).includes(fix.title)).slice(0, 3);
      const words = plainError(classified);
      return {
        ...where,
        problem: { title: words.title.slice(0, 1000), detail: words.detail.slice(0, 1000), fixes: this.offered.map((fix) => fix.title as AccountFix) },
      };
    }
  }

  /** Runs a fix the last problem offered; false when it was not offered (a stale button). */
  async fix(title: AccountFix): Promise<boolean> {
    const fix = this.offered.find((candidate) => candidate.title === title);
    if (!fix) return false;
    await fix.run();
    return true;
  }
}
