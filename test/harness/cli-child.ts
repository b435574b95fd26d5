/**
 * Runs the real CLI (runCli) in a child process for crash tests. After AWS accepts each call named in
 * GM_PAUSE_AFTER it prints "@@after <operation>" and pauses, so the parent can SIGKILL it in the window
 * between AWS creating a resource and the journal recording it.
 */
import { runCli, processIo } from '../../src/cli/main';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { FAST_TIMING } from './engine';
import { allOf } from './group-realism';
import { launchRealism } from './launch-realism';

const pauseAfter = new Set((process.env.GM_PAUSE_AFTER ?? '').split(',').filter(Boolean));
const pauseMs = Number(process.env.GM_PAUSE_MS ?? 2000);

const instrument: ClientInstrument = (client, service) => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = `${service}:${String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')}`;
      const result = await next(args);
      if (pauseAfter.has(operation)) {
        process.stderr.write(`@@after ${operation}\n`);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      return result;
    },
    { step: 'initialize', name: 'geusemakerCrashWindow' },
  );
};

// The endpoint comes from the environment the parent test set (GEUSEMAKER_AWS_ENDPOINT).
const endpoint = process.env.GEUSEMAKER_AWS_ENDPOINT;
void runCli(process.argv.slice(2), processIo(), { instrument: allOf(instrument, endpoint ? launchRealism(endpoint) : undefined), timing: FAST_TIMING }).then((code) => {
  process.exitCode = code;
});
