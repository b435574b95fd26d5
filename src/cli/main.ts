// The pinned AWS SDK warns on every client under Node 20; the CLI supports Node 20, so the warning is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseCliArgs } from './args';
import { outputFormatOf } from './document';
import { explain, report } from './failure';
import { type CliIo, type CliOverrides, processIo, Session } from './session';

export { processIo };
export type { CliIo, CliOverrides };

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIo, overrides: CliOverrides = {}): Promise<number> {
  let session: Session | undefined;
  const format = outputFormatOf(argv);
  try {
    const args = parseCliArgs(argv);
    session = new Session(io, args, overrides);
    await session.checkState();
    await args.command.run(session);
    return 0;
  } catch (error) {
    return report(io, session?.args.output ?? format, explain(error, session));
  } finally {
    session?.dispose();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
