import { refused, type GeuseError } from '../errors';

/** A same-named resource another stack (or no stack) owns: refused, named, and left alone. */
export function nameTaken(region: string, what: string, name: string, stackId: string | undefined): GeuseError {
  return refused('NAME_TAKEN', `${what} named ${name} exists in ${region} and is not this stack's (${stackId ? `it belongs to stack id ${stackId}` : 'it carries no GeuseMaker stack id'}); it is left alone.`,
    'Deploy under another stack name, or delete it if you know it is unused.');
}
