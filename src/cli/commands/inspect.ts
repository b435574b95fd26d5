import { listingJson, renderList, renderShow, type StackState } from '../../engine';
import type { Command } from '../command';

export const list: Command = {
  name: 'list',
  usage: 'list [--tier T] [--status S]',
  summary: 'Stacks known in the state folder; --tier and --status keep those recorded so',
  flags: ['tier', 'status'],
  takesName: false,
  state: 'reads',
  async run(s) {
    const { tier, status } = s.args.listFilter;
    // Filtered on the recorded tier and status, before any AWS read.
    const where = tier || status ? (state: StackState) => (!tier || state.config.tier === tier) && (!status || state.status === status) : undefined;
    const listings = await s.engine.list({ live: true, where });
    if (s.args.json) s.json({ stateDir: s.stateDir, stacks: listings.map(listingJson) });
    else if (where && listings.length === 0) s.out([`No stack in ${s.stateDir} is ${[tier && `on the ${tier} tier`, status && `recorded as ${status}`].filter(Boolean).join(' and ')}.`]);
    else s.out(renderList(listings, s.stateDir));
  },
};

export const show: Command = {
  name: 'show',
  usage: 'show [name]',
  summary: 'A stack\'s state: status, resources, notes, last error',
  flags: ['config'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    const state = await s.engine.show(name, { live: true });
    if (!state) throw s.stackNotFound(name);
    if (s.args.json) s.json(state);
    else s.out(renderShow(state));
  },
};
