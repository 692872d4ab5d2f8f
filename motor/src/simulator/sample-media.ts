import { deflateSync } from 'node:zlib';
import { sampleMp4 } from './sample-video.js';

/** The kinds of file the simulated customer can send (a contact card is sent by customerMedia too). */
export const SAMPLE_KINDS = ['image', 'audio', 'voice', 'video', 'document'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

export interface SampleFile {
  bytes: Buffer;
  mimetype: string;
  fileName: string;
  width?: number;
  height?: number;
  seconds?: number;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A real PNG: a green-to-blue gradient with a light stripe, `width`×`height` pixels.
 *
 * @example
 *   samplePng(320, 240).subarray(1, 4).toString() // → 'PNG'
 */
export function samplePng(width = 320, height = 240): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const stripe = Math.abs(y - height / 2) < height / 12;
      const i = row + 1 + x * 3;
      raw[i] = stripe ? 250 : 20;
      raw[i + 1] = stripe ? 240 : Math.round(120 + (135 * x) / width);
      raw[i + 2] = stripe ? 220 : Math.round(90 + (165 * y) / height);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real WAV: `seconds` of a 440 Hz tone fading out (8 kHz, 8-bit mono). */
export function sampleWav(seconds = 2): Buffer {
  const rate = 8000;
  const n = rate * seconds;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + n, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(n, 40);
  const data = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const fade = 1 - i / n;
    data[i] = Math.round(128 + 90 * fade * Math.sin((2 * Math.PI * 440 * i) / rate));
  }
  return Buffer.concat([header, data]);
}

/** A real one-page PDF that says `text`. */
export function samplePdf(text = 'Pedido de teste - Atende'): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** The sample file of one kind (the same bytes every time). */
export function sampleFile(kind: SampleKind): SampleFile {
  switch (kind) {
    case 'image':
      return { bytes: samplePng(), mimetype: 'image/png', fileName: 'foto.png', width: 320, height: 240 };
    case 'audio':
    case 'voice':
      return { bytes: sampleWav(), mimetype: 'audio/wav', fileName: 'audio.wav', seconds: 2 };
    case 'video':
      return { bytes: sampleMp4(), mimetype: 'video/mp4', fileName: 'video.mp4', width: 160, height: 120, seconds: 2 };
    case 'document':
      return { bytes: samplePdf(), mimetype: 'application/pdf', fileName: 'pedido.pdf' };
  }
}

/** A contact card as WhatsApp sends one (vCard 3.0, with WhatsApp's `waid` on the number). */
export function sampleVcard(name = 'Loja Parceira', phone = '5511912345678'): string {
  const pretty = `+${phone.slice(0, 2)} ${phone.slice(2, 4)} ${phone.slice(4, -4)}-${phone.slice(-4)}`;
  return [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `N:;${name};;;`,
    `FN:${name}`,
    `item1.TEL;waid=${phone}:${pretty}`,
    'item1.X-ABLabel:Celular',
    'END:VCARD',
  ].join('\n');
}
