/**
 * A panel's root element and a re-render that keeps keyboard focus on the same control (found again by its
 * `data-key`): a redraw, or a button disabled while its request runs, must not throw focus away.
 */
export function focusKeepingRoot(): { root: HTMLElement; replace(content: Node): void } {
  const root = document.body.appendChild(document.createElement('div'));
  let focusKey: string | undefined;
  document.addEventListener('focusin', (event) => {
    focusKey = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>('[data-key]')?.dataset.key : undefined;
  });
  return {
    root,
    replace(content) {
      const key = focusKey;
      root.replaceChildren(content);
      // After the components' first update: until then they are not focusable.
      if (key) requestAnimationFrame(() => root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus());
    },
  };
}
