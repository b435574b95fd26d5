/** How the tree writes times: in the editor's locale, and ages relative to now. */
export interface ViewFormat {
  /** The editor's display language (vscode.env.language); undefined: the runtime's default. */
  locale?: string;
  now: number;
}

export function defaultFormat(): ViewFormat {
  return { now: Date.now() };
}

/** "3 Dec 2026, 14:05" in the user's locale; the raw text when it is not a date. */
export function localDate(iso: string, format: ViewFormat): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  try {
    return new Intl.DateTimeFormat(format.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
  } catch {
    // An unknown locale tag: the runtime's own.
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
  }
}

/** "3 Dec 2026" in the user's locale (a date without its time); the raw text when it is not a date. */
export function localDay(iso: string, format: ViewFormat): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  try {
    return new Intl.DateTimeFormat(format.locale, { dateStyle: 'medium' }).format(time);
  } catch {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(time);
  }
}

/** "just now", "4 min ago", "2 h ago", "3 days ago". */
export function ago(iso: string, format: ViewFormat): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return 'at an unknown time';
  const minutes = Math.floor(Math.max(0, format.now - time) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
