import { MEDIA_LIMITS } from '@atende/shared';

/** The WhatsApp limit for a file of this browser type (the Motor checks again, from the bytes). */
export function limitOf(type: string): number {
  if (/^(image|audio|video)\//.test(type)) return MEDIA_LIMITS.image;
  return MEDIA_LIMITS.document;
}

/** 16 for 16 MB. */
export const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** The first file of a paste or a drop, if any. */
export function fileOf(data: DataTransfer | null | undefined): File | null {
  if (!data) return null;
  if (data.files && data.files.length > 0) return data.files[0] ?? null;
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind === 'file') {
      const f = item.getAsFile();
      if (f) return f;
    }
  }
  return null;
}

/** A pasted screenshot has no useful name: give it one with the right extension. */
export function namedFile(file: File): File {
  if (file.name && file.name !== 'image.png') return file;
  const ext = file.type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin';
  return new File([file], `imagem-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${ext}`, {
    type: file.type,
  });
}

/**
 * Svelte action: files dragged over the element are offered to `onfile`; `over` says when a drag
 * is above it (for the drop hint).
 *
 * @example
 *   <form use:dropFiles={{ onfile: (f) => preview.open(f), over: (v) => (dragging = v) }}>
 */
export function dropFiles(node: HTMLElement, opts: { onfile: (file: File) => void; over?: (on: boolean) => void }) {
  let o = opts;
  let depth = 0;
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const enter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    o.over?.(true);
  };
  const over = (e: DragEvent) => {
    if (hasFiles(e)) e.preventDefault();
  };
  const leave = () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) o.over?.(false);
  };
  const drop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    o.over?.(false);
    const f = fileOf(e.dataTransfer);
    if (f) o.onfile(f);
  };
  node.addEventListener('dragenter', enter);
  node.addEventListener('dragover', over);
  node.addEventListener('dragleave', leave);
  node.addEventListener('drop', drop);
  return {
    update(next: typeof opts) {
      o = next;
    },
    destroy() {
      node.removeEventListener('dragenter', enter);
      node.removeEventListener('dragover', over);
      node.removeEventListener('dragleave', leave);
      node.removeEventListener('drop', drop);
    },
  };
}

/** Why a file was not sent, as the i18n key and its values (413, 415, anything else). */
export function fileErrorKey(error: unknown): { key: 'media.tooLarge' | 'media.unsupported' | 'media.sendFailed' | 'error.network_error'; limit: number } {
  const code = (error as { code?: string } | null)?.code;
  const limit = mb(MEDIA_LIMITS.image);
  if (code === 'payload_too_large') return { key: 'media.tooLarge', limit };
  if (code === 'unsupported_media_type') return { key: 'media.unsupported', limit };
  if (code === 'network_error') return { key: 'error.network_error', limit };
  return { key: 'media.sendFailed', limit };
}
