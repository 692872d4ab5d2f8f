import { playChime } from './sound';

type Permission = NotificationPermission | 'unsupported';

const KEY_DESKTOP = 'atende.notify.desktop';
const KEY_DISMISSED = 'atende.notify.dismissed';

/**
 * Browser notifications for the agent (docs/team-tools.md "Notifications"): permission is asked
 * only when the agent clicks (the inbox banner or Configurações → Atendimento), never on page
 * load. The choice (desktop notifications on/off, the banner dismissed) is kept in this browser;
 * the sound is `prefs.sound`.
 *
 * @example
 * await notifications.enable(); // asks the browser once
 * notifications.show({ title: 'Maria', body: 'Oi!', tag: conversationId, onclick: () => goto(...) });
 */
export class Notifications {
  permission = $state<Permission>(currentPermission());
  /** The agent wants desktop notifications (when the browser allows them). */
  desktop = $state(read(KEY_DESKTOP, true));
  /** The agent said "not now" to the banner. */
  dismissed = $state(read(KEY_DISMISSED, false));

  /** Whether the inbox should offer notifications (never asked, not dismissed). */
  get shouldOffer(): boolean {
    return this.permission === 'default' && !this.dismissed;
  }

  get active(): boolean {
    return this.permission === 'granted' && this.desktop;
  }

  /** Asks the browser (after a click); resolves with the answer. */
  async enable(): Promise<Permission> {
    if (this.permission === 'unsupported') return this.permission;
    try {
      this.permission = await Notification.requestPermission();
    } catch {
      this.permission = currentPermission();
    }
    if (this.permission === 'granted') this.setDesktop(true);
    return this.permission;
  }

  dismiss(): void {
    this.dismissed = true;
    write(KEY_DISMISSED, true);
  }

  setDesktop(on: boolean): void {
    this.desktop = on;
    write(KEY_DESKTOP, on);
  }

  /** Shows one notification (replacing an older one with the same tag); false when it cannot. */
  show(n: { title: string; body: string; tag: string; icon?: string | null; onclick?: () => void }): boolean {
    this.permission = currentPermission();
    if (!this.active) return false;
    try {
      const shown = new Notification(n.title, { body: n.body, tag: n.tag, icon: n.icon ?? '/favicon.svg' });
      shown.onclick = () => {
        globalThis.focus?.();
        n.onclick?.();
        shown.close();
      };
      return true;
    } catch {
      return false; // e.g. mobile Chrome only notifies through a service worker
    }
  }

  chime(): void {
    playChime();
  }
}

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

function read(key: string, fallback: boolean): boolean {
  try {
    const v = globalThis.localStorage?.getItem(key);
    return v === null || v === undefined ? fallback : v === '1';
  } catch {
    return fallback;
  }
}

function write(key: string, on: boolean): void {
  try {
    globalThis.localStorage?.setItem(key, on ? '1' : '0');
  } catch {
    // storage blocked: the choice lasts for this page only
  }
}

export const notifications = new Notifications();
