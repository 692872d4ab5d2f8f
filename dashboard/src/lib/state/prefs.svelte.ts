const KEY = 'atende.sound';

class Prefs {
  /** Beep on new incoming messages (off by default). */
  sound = $state(read());

  setSound(on: boolean): void {
    this.sound = on;
    try {
      globalThis.localStorage?.setItem(KEY, on ? '1' : '0');
    } catch {
      // ignore
    }
  }
}

function read(): boolean {
  try {
    return globalThis.localStorage?.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

export const prefs = new Prefs();
