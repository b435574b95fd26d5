import { listingJson, renderList, renderShow } from '../../engine';
import type { Command } from '../command';

export const list: Command = {
  name: 'list',
  usage: 'list',
  summary: 'Stacks known in the state folder',
  flags: [],
  takesName: false,
  state: 'reads',
  async run(s) {
    const listings = await s.engine.list({ live: true });
    if (s.args.json) s.json({ stateDir: s.stateDir, stacks: listings.map(listingJson) });
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
