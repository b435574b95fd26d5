import type { Command } from '../command';
import { copyTo, findClipboard } from '../clipboard';

/**
 * The n8n owner password: printed to stdout alone (value and a newline, so `$(geusemaker password)` is the
 * password), never to stderr or a progress line. --json/--output carries it only because the command asks for it;
 * with --copy it goes to the clipboard and is printed nowhere.
 */
export const password: Command = {
  name: 'password',
  usage: 'password [name] [--copy]',
  summary: 'Print the n8n owner password (stdout only); --copy puts it on the clipboard instead',
  flags: ['config', 'copy'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    if (!(await s.engine.show(name))) throw s.stackNotFound(name);
    // No clipboard is refused before the secret is read.
    const tool = s.args.copy ? findClipboard(s.io.env) : undefined;
    const value = await s.engine.readSecret(name, 'n8n-owner-password');
    if (tool) {
      await copyTo(tool, value, s.io.env);
      if (s.args.json) s.json({ name, copied: true, clipboard: tool.name });
      else s.summary([`Copied the n8n owner password of stack ${name} to the clipboard (${tool.name}).`]);
      return;
    }
    if (s.args.json) s.json({ name, password: value });
    else s.io.stdout(`${value}\n`);
  },
};
