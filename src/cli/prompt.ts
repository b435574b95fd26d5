import { createInterface } from 'node:readline';

export interface PromptIo {
  stderr: (s: string) => void;
  isTTY: boolean;
  readLine?: () => Promise<string>;
}

/** Asks a y/N question on the terminal; anything but y/yes, or no terminal at all, is a no. */
export async function askYesNo(io: PromptIo, question: string): Promise<boolean> {
  if (!io.isTTY || !io.readLine) return false;
  io.stderr(`${question} [y/N] `);
  const answer = (await io.readLine()).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}

/** One line from stdin; Ctrl-C or end of input while asking counts as an empty answer (no). */
export function readStdinLine(): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
    let answered = false;
    const finish = (line: string): void => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(line);
    };
    rl.once('line', finish);
    // Without this listener readline only pauses on Ctrl-C and the question would hang.
    rl.once('SIGINT', () => {
      process.stderr.write('\n');
      finish('');
    });
    rl.once('close', () => finish(''));
  });
}
