const KEY = 'atende.contactPanel';

/** Whether the thread's contact panel is open (remembered per browser; closed on a phone at first). */
class ContactPanelPref {
  open = $state(read());

  toggle(on = !this.open): void {
    this.open = on;
    try {
      globalThis.localStorage?.setItem(KEY, on ? '1' : '0');
    } catch {
      // storage blocked: the choice lasts for this page only
    }
  }
}

function read(): boolean {
  try {
    const saved = globalThis.localStorage?.getItem(KEY);
    if (saved !== null && saved !== undefined) return saved === '1';
    return (globalThis.innerWidth ?? 0) > 1200;
  } catch {
    return false;
  }
}

export const contactPanel = new ContactPanelPref();
