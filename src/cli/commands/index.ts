import { version } from '../../../package.json';
import type { Command, CommandAction } from '../command';
import { renderHelp } from '../help';
import { backupList, backupNow, restore } from './backup';
import { logs, shell, tunnel } from './connect';
import { cost, prices } from './cost';
import { deploy, plan } from './deploy';
import { destroy } from './destroy';
import { history, rollback } from './history';
import { init } from './init';
import { list, show } from './inspect';
import { modelsList, modelsPull, modelsRemove } from './models';
import { pause, resume } from './pause';
import { password } from './password';
import { render } from './render';
import { restart } from './restart';
import { secretsList, secretsRotate } from './secrets';
import { stateRestore } from './state';
import { status } from './status';
import { upgrade } from './upgrade';
import { workers } from './workers';

/** The CLI's commands, in --help order: help, flag checks and dispatch all come from this table. */
export const COMMAND_TABLE: readonly Command[] = [init, plan, deploy, destroy, history, rollback, upgrade, backupNow, backupList, restore, pause, resume, prices, cost, list, show, status, logs, shell, tunnel, restart, password, secretsList, secretsRotate, modelsList, modelsPull, modelsRemove, render, stateRestore, workers];

export const HELP_TEXT = renderHelp(COMMAND_TABLE);

/** --help, `geusemaker help`, or no command at all. */
export const HELP: CommandAction = { name: 'help', state: 'none', run: (s) => s.io.stdout(HELP_TEXT) };

export const VERSION: CommandAction = {
  name: 'version',
  state: 'none',
  run(s) {
    if (s.args.json) s.json({ version });
    else s.out([`geusemaker ${version}`]);
  },
};
