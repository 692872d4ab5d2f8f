export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  text: string;
}

class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;

  /** Shows a short notice; errors stay longer. */
  push(kind: Toast['kind'], text: string): void {
    const id = this.#next++;
    this.items = [...this.items.filter((t) => t.text !== text), { id, kind, text }].slice(-4);
    setTimeout(() => this.dismiss(id), kind === 'error' ? 8000 : 4000);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
