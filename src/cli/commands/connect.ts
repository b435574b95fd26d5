import {
  CATALOGUE, type CatalogueService, DEFAULT_RETRY, findPlugin, followWithRetries, GeuseError, invalidInput, type LogChunk, type LogCursor, serviceOfStack, servicesOf,
  stackShell, type StackState, startCursor,
} from '../../engine';
import type { Command } from '../command';
import { interruptible, progressPrinter } from '../interaction';
import { logLineWriter } from '../log-lines';
import type { Session } from '../session';
import { runTunnels } from '../tunnels';

const SERVICE_WORDS: readonly string[] = Object.keys(CATALOGUE);

/**
 * `[name] [service...]`: the first word is the stack name unless it names a service (then the name comes from
 * geusemaker.yaml or GEUSEMAKER_NAME), or there are more words than services allowed.
 */
function nameAndServices(command: string, maxServices?: number) {
  return (words: readonly string[]): { name?: string; words: readonly string[] } => {
    const [first, ...rest] = words;
    const firstIsName = first !== undefined && (!SERVICE_WORDS.includes(first) || (maxServices !== undefined && words.length > maxServices));
    const services = firstIsName ? rest : words;
    if (maxServices !== undefined && services.length > maxServices) {
      throw invalidInput('USAGE', `Unexpected argument ${services.slice(maxServices).map((word) => `"${word}"`).join(', ')} for \`geusemaker ${command}\`, which takes a stack name and ${maxServices === 1 ? 'one service' : `${maxServices} services`}.`,
        'Run `geusemaker --help` for the commands and flags.');
    }
    return { name: firstIsName ? first : undefined, words: services };
  };
}

/** The recorded state, read without any AWS call, so a wrong service is refused before one. */
async function recordedState(s: Session, name: string): Promise<StackState> {
  const state = await s.engine.show(name);
  if (!state) throw s.stackNotFound(name);
  return state;
}

/** n8n when the stack runs it, else its first service. */
function defaultService(state: StackState): CatalogueService {
  const runs = servicesOf(state.config).map((spec) => spec.name);
  return runs.includes('n8n') ? 'n8n' : (runs[0] ?? 'n8n');
}

function logsUsage(message: string, s: Session, words: string[]): GeuseError {
  return invalidInput('USAGE', message, `For example: ${s.command(['logs', ...words])}`);
}

/** Reads up to now (or follows until Ctrl-C) through the engine's cursors; a failed read during --follow is retried from the same cursor. */
async function readLogs(s: Session, name: string, label: string, cursor: LogCursor): Promise<void> {
  const printer = progressPrinter(s);
  const write = logLineWriter(s, label);
  const show = (chunk: LogChunk): void => {
    if (chunk.note) printer.listener({ type: 'note', message: chunk.note });
    write(chunk.lines);
  };
  const stopping = s.args.follow ? 'Stopped following (Ctrl-C again to quit at once).' : 'Stopping (Ctrl-C again to quit at once).';
  await interruptible(s, printer, async (signal) => {
    if (!s.args.follow) {
      let current = cursor;
      for (;;) {
        const chunk = await s.engine.logs(name, current, { signal }).catch((error: unknown) => {
          if (signal.aborted) return undefined;
          throw error;
        });
        if (!chunk) return;
        show(chunk);
        if (!chunk.more) return;
        current = chunk.cursor;
      }
    }
    const end = await followWithRetries((from) => s.engine.followLogs(name, from, { signal, intervalMs: 5_000 }), cursor, {
      chunk: show,
      failed(error, failures, retryInMs) {
        if (retryInMs !== undefined) printer.listener({ type: 'note', message: `Could not read the ${label} log: ${error.message} Trying again in ${Math.round(retryInMs / 1000)} s (${failures} of ${DEFAULT_RETRY.maxFailures}).` });
      },
    }, signal, {
      // Against an emulator, "nothing ran" is what every read will say.
      isEndpointGap: (error) => error.code === 'ENDPOINT_API_MISSING' || (error.code === 'SSM_COMMAND_NOT_RUN' && s.endpointForMessages() !== undefined),
    });
    if (end.kind === 'gave-up') {
      const after = end.why === 'repeated' ? ` after ${end.failures} failed reads in a row` : '';
      throw new GeuseError({ ...end.error.toJSON(), message: `Stopped following the ${label} log of ${name}${after}: ${end.error.message}`, cause: end.error });
    }
  }, stopping);
}

export const logs: Command = {
  name: 'logs',
  usage: 'logs [name] [service] [--follow] [--since 10m] [--tail N] [--bootstrap]',
  summary: 'A service\'s log (default n8n) or the bootstrap log, read from the instance over SSM',
  moreHelp: [
    '--follow (-f) prints new lines until Ctrl-C; --since 30s/10m/2h/1d and --tail N set the history',
    'Lines go to stdout, notes to stderr; --json: one {service, time, line} JSON line per log line',
  ],
  flags: ['config', 'follow', 'since', 'tail', 'bootstrap'],
  takesName: true,
  splitOperands: nameAndServices('logs', 1),
  state: 'reads',
  async run(s) {
    const [word] = s.args.operands;
    if (s.args.bootstrap && word !== undefined) throw logsUsage(`--bootstrap reads the bootstrap log, so it takes no service (got "${word}").`, s, ['--bootstrap']);
    if (s.args.bootstrap && s.args.sinceMs !== undefined) {
      throw logsUsage('--since applies to a service\'s log: not every line of the bootstrap log carries a time. Use --tail N to start at its last N lines.', s, ['--bootstrap', '--tail', '100']);
    }
    const name = await s.stackName();
    const state = await recordedState(s, name);
    const service = s.args.bootstrap ? undefined : serviceOfStack(state, word ?? defaultService(state));
    const since = s.args.sinceMs === undefined ? undefined : new Date(Date.now() - s.args.sinceMs);
    const cursor = startCursor(service === undefined ? { bootstrap: true } : { service }, { tail: s.args.tail, since });
    await readLogs(s, name, service ?? 'bootstrap', cursor);
  },
};

export const shell: Command = {
  name: 'shell',
  usage: 'shell [name]',
  summary: 'An interactive shell on the instance over SSM (needs AWS\'s session-manager-plugin)',
  moreHelp: ['Ctrl-C goes to the remote shell; `exit` leaves it and ends the SSM session'],
  flags: ['config'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    await recordedState(s, name);
    // Found before the session starts, so a missing plugin never leaves a session open.
    const pluginPath = findPlugin({ env: s.io.env, pathOnly: true });
    const printer = progressPrinter(s);
    // On a terminal the plugin sends Ctrl-C to the remote shell (as `aws ssm start-session` does); this process
    // must then neither stop nor die of it. Without a terminal, Ctrl-C stops the shell like any command.
    const interactive = s.io.isTTY;
    const ignore = (): void => undefined;
    if (interactive) process.on('SIGINT', ignore);
    let result;
    try {
      result = await interruptible(s, printer, (signal) => stackShell(s.engine, name, {
        pluginPath, env: s.io.env, signal,
        onStarted: (id) => printer.listener({ type: 'note', message: `SSM session ${id} on ${name} started; \`exit\` ends it.` }),
      }), 'Ending the shell and its SSM session (Ctrl-C again to quit at once).', interactive ? ['SIGTERM'] : undefined);
    } finally {
      if (interactive) process.off('SIGINT', ignore);
    }
    const ended = result.endError === undefined;
    if (!ended) printer.listener({ type: 'note', message: `Could not end SSM session ${result.sessionId}; it ends on its own after SSM's idle timeout.` });
    if (s.args.json) s.json({ stack: name, sessionId: result.sessionId, pluginExit: { code: result.exit.code, signal: result.exit.signal }, ended });
    // The plugin stopped by itself with an error (not by `exit`, not by us): say so with its exit code.
    if (result.exit.code !== null && result.exit.code !== 0) {
      throw new GeuseError({
        code: 'SSM_PLUGIN_FAILED', kind: 'unknown',
        message: `session-manager-plugin ended with exit code ${result.exit.code}; the SSM session ${result.sessionId} was ${ended ? 'ended' : 'left to time out'}.`,
        nextStep: 'Read the plugin\'s message above, then run the command again.',
      });
    }
  },
};

export const tunnel: Command = {
  name: 'tunnel',
  usage: 'tunnel [name] [service...] [--local-port P] [--open]',
  summary: 'Forward free local ports to services on the instance over SSM (default n8n) until Ctrl-C',
  moreHelp: ['Prints the local URLs; --local-port P for the first one, --open opens it in the browser', 'A session that drops is reopened on the same port (said on stderr)'],
  flags: ['config', 'local-port', 'open'],
  takesName: true,
  splitOperands: nameAndServices('tunnel'),
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    const state = await recordedState(s, name);
    const words = s.args.operands.length > 0 ? s.args.operands : ['n8n'];
    const services = [...new Set(words.map((word) => serviceOfStack(state, word)))].map((service) => CATALOGUE[service]);
    const pluginPath = findPlugin({ env: s.io.env, pathOnly: true });
    await runTunnels(s, name, services, pluginPath);
  },
};
