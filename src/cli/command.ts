import type { FlagName } from './flags';
import type { Session } from './session';

/** What a run of the CLI does: a command from the table, or --help / --version. */
export interface CommandAction {
  /** The words that run it, e.g. `deploy` or `state restore`. */
  readonly name: string;
  /** Whether it reads stack state, and writes it (then the folder must exist and be writable). */
  readonly state: 'none' | 'reads' | 'writes';
  readonly run: (s: Session) => Promise<void> | void;
}

/** One row of the command table: help, flag checks and dispatch all come from it. */
export interface Command extends CommandAction {
  /** Its --help line's left column: the name and what it takes, e.g. `init [--name N] [--force]`. */
  readonly usage: string;
  readonly summary: string;
  /** More --help lines, under the summary. */
  readonly moreHelp?: readonly string[];
  /** Flags it accepts besides the global ones; anything else is an error rather than silently ignored. */
  readonly flags: readonly FlagName[];
  /** It takes an optional stack name argument. */
  readonly takesName: boolean;
  /** Words it requires after the optional name, by what they are (`['service']`: `restart [name] <service>`). */
  readonly operands?: readonly string[];
  /** Splits the words after the command when `operands` cannot say it (optional or repeated words: `tunnel [name] [service...]`). */
  readonly splitOperands?: (words: readonly string[]) => { name?: string; words: readonly string[] };
}
