import {
  PRODUCT_CSV_COLUMNS,
  PRODUCT_LIMITS,
  parsePriceCents,
  updateProductBodySchema,
  type ProductCsvColumn,
  type UpdateProductBody,
} from '@atende/shared';
import { parse } from 'csv-parse/sync';
import { AppError } from '../errors.js';

export interface CsvRowError {
  line: number;
  message: string;
}

/** A good row: only the columns the file named (an absent column leaves a product's value alone). */
export interface CsvProductRow {
  line: number;
  product: UpdateProductBody;
}

export interface ParsedProductsCsv {
  rows: CsvProductRow[];
  errors: CsvRowError[];
}

/** Header names, folded (lower case, no accents, letters and digits only), per column. */
const HEADER_ALIASES: Record<ProductCsvColumn, string[]> = {
  name: ['name', 'nome', 'produto', 'product', 'titulo', 'title'],
  description: ['description', 'descricao', 'desc'],
  price: ['price', 'preco', 'valor'],
  currency: ['currency', 'moeda'],
  sku: ['sku', 'codigo', 'code', 'ref', 'referencia'],
  active: ['active', 'ativo'],
  imageUrl: ['imageurl', 'image', 'imagem', 'imagemurl', 'urlimagem', 'urldaimagem', 'foto'],
};

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

const columnOf = (header: string): ProductCsvColumn | undefined =>
  PRODUCT_CSV_COLUMNS.find((c) => HEADER_ALIASES[c].includes(fold(header)));

const TRUE_WORDS = new Set(['true', 'sim', 's', 'yes', 'y', '1', 'ativo', 'active', 'x']);
const FALSE_WORDS = new Set(['false', 'nao', 'n', 'no', '0', 'inativo', 'inactive']);

/** The header line's separator: `;` (Brazilian Excel), tab, or `,`, whichever it uses most. */
function delimiterOf(text: string): string {
  const header = text.slice(0, text.search(/\r?\n|$/)).replace(/"[^"]*"/g, '');
  const counts = [';', '\t', ','].map((d) => [d, header.split(d).length - 1] as const);
  const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ',';
}

/**
 * Decodes an uploaded CSV: UTF-8 (with or without BOM), or Windows-1252 when the bytes are not
 * UTF-8 (Excel's "CSV (separado por vírgulas)" on Windows saves in that code page).
 */
export function decodeCsv(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.replaceAll('\u0000', ''); // NUL cannot be stored in Postgres text
}

/**
 * Parses a products CSV into rows ready for `app.products_import`, and a per-line report of the
 * rows that cannot be imported. Fields may be quoted (with commas, semicolons, newlines, `""`).
 * `line` is the line of the file where a row starts (the header is line 1). File-level problems
 * (no header, no name/sku column, repeated column, a quote left open) are 400 `validation_failed`.
 *
 * @example
 *   const { rows, errors } = parseProductsCsv('name;price\nCamiseta;79,90\n');
 *   // rows = [{ line: 2, product: { name: 'Camiseta', priceCents: 7990 } }], errors = []
 */
export function parseProductsCsv(text: string): ParsedProductsCsv {
  const records = readRecords(text);
  const [head, ...body] = records;
  if (!head)
    throw new AppError('validation_failed', 'the CSV file is empty', [
      { path: 'body', message: 'empty file' },
    ]);
  const errors: CsvRowError[] = [];
  const columns = headerColumns(head.fields, errors);
  if (body.length > PRODUCT_LIMITS.importRows) {
    throw new AppError(
      'payload_too_large',
      `at most ${PRODUCT_LIMITS.importRows} rows per import (got ${body.length})`,
    );
  }
  const rows: CsvProductRow[] = [];
  const skuLines = new Map<string, number>();
  for (const rec of body) {
    if (rec.fields.every((f) => f.trim() === '')) continue;
    const row = rowOf(rec.fields, columns);
    if ('error' in row) {
      errors.push({ line: rec.line, message: row.error });
      continue;
    }
    const sku = row.product.sku;
    if (sku) {
      const first = skuLines.get(sku);
      if (first !== undefined) {
        errors.push({ line: rec.line, message: `sku "${sku}" repeats line ${first}` });
        continue;
      }
      skuLines.set(sku, rec.line);
    }
    rows.push({ line: rec.line, product: row.product });
  }
  return { rows, errors };
}

interface CsvRecord {
  line: number;
  fields: string[];
}

function readRecords(input: string): CsvRecord[] {
  // One line ending everywhere (files that mix CRLF and LF would confuse the line numbers).
  const text = input.replace(/\r\n?/g, '\n');
  let parsed: Array<{ record: string[]; info: { lines: number; empty_lines: number } }>;
  try {
    parsed = parse(text, {
      delimiter: delimiterOf(text.replace(/^\uFEFF/, '')),
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as unknown as typeof parsed;
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new AppError('validation_failed', `the CSV file cannot be read: ${e.message ?? 'malformed'}`, [
      { path: 'body', message: e.message ?? 'malformed CSV' },
    ]);
  }
  // info.lines is the line a record ends on; it starts after the previous one and any blank lines.
  let prevEnd = 0;
  let prevEmpty = 0;
  return parsed.map(({ record, info }) => {
    const line = prevEnd + 1 + (info.empty_lines - prevEmpty);
    prevEnd = info.lines;
    prevEmpty = info.empty_lines;
    return { line, fields: record };
  });
}

function headerColumns(header: string[], errors: CsvRowError[]): Array<ProductCsvColumn | undefined> {
  const columns = header.map(columnOf);
  const fail = (message: string) =>
    new AppError('validation_failed', message, [{ path: 'body.header', message }]);
  const seen = new Set<ProductCsvColumn>();
  columns.forEach((c, i) => {
    if (c === undefined) {
      if (header[i]!.trim() !== '') {
        errors.push({
          line: 1,
          message: `unknown column "${header[i]!.trim()}" ignored (known: ${PRODUCT_CSV_COLUMNS.join(', ')})`,
        });
      }
    } else if (seen.has(c)) {
      throw fail(`the header names the column "${c}" twice`);
    } else {
      seen.add(c);
    }
  });
  if (!seen.has('name') && !seen.has('sku')) {
    throw fail(
      `the header row must name a "name" column (or "sku" to update products); known columns: ${PRODUCT_CSV_COLUMNS.join(', ')}`,
    );
  }
  return columns;
}

function rowOf(
  fields: string[],
  columns: Array<ProductCsvColumn | undefined>,
): { product: UpdateProductBody } | { error: string } {
  const input: Record<string, unknown> = {};
  for (const [i, column] of columns.entries()) {
    if (!column) continue;
    const value = (fields[i] ?? '').trim();
    switch (column) {
      case 'price': {
        const price = parsePriceCents(value);
        if (!price.ok) return { error: `price "${value}": ${price.reason}` };
        input.priceCents = price.cents;
        break;
      }
      case 'active': {
        const word = fold(value);
        if (word === '') break;
        if (!TRUE_WORDS.has(word) && !FALSE_WORDS.has(word)) {
          return { error: `active "${value}": use true/false (sim/não)` };
        }
        input.active = TRUE_WORDS.has(word);
        break;
      }
      case 'name':
      case 'currency':
        if (value !== '') input[column] = value;
        break;
      default:
        input[column] = value;
    }
  }
  if (input.name === undefined && !input.sku) return { error: 'name is required' };
  const parsed = updateProductBodySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    return { error: `${field === 'priceCents' ? 'price' : field}: ${issue.message}` };
  }
  return { product: parsed.data };
}
