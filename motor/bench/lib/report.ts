import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Reporting for `npm run bench`: one table per benchmark on stdout, and every figure in
 * motor/bench/results.json next to the baseline measured in the same run. Running one benchmark
 * replaces only its own entry in results.json.
 */

export const RESULTS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results.json');

/** One row: a measured figure, the baseline it is compared with, and the target if the issue set one. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  target?: string;
  note?: string;
}

export interface BenchResult {
  bench: string;
  /** What was measured, in one sentence (printed above the table). */
  title: string;
  startedAt: string;
  durationMs: number;
  rows: Row[];
  /** 1-minute load average when the benchmark started (above the CPU count = a busy machine). */
  loadAtStart?: number;
  /** Free-form details (percentile sets, settings, samples) kept in results.json. */
  details?: Record<string, unknown>;
  /** Observations for the reader: what limits the figure, what was skipped and why. */
  notes?: string[];
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    /** 1/5/15-minute load averages when the results were written: above `cpus`, other work competed for the CPU. */
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const fmt = (v: number) =>
  !Number.isFinite(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);

/** Renders a result as a fixed-width table. */
export function renderTable(r: BenchResult): string {
  const head = ['measure', 'value', 'baseline (same run)', 'ratio', 'target'];
  const lines = r.rows.map((x) => [
    x.name,
    `${fmt(x.value)} ${x.unit}`,
    x.baseline ? `${fmt(x.baseline.value)} ${x.unit} (${x.baseline.name})` : '',
    x.baseline && x.baseline.value ? `${((x.value / x.baseline.value) * 100).toFixed(0)}%` : '',
    x.target ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  const out = [`\n## ${r.bench}: ${r.title}`, row(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.map(row)];
  for (const x of r.rows) if (x.note) out.push(`  - ${x.name}: ${x.note}`);
  for (const n of r.notes ?? []) out.push(`  * ${n}`);
  if (r.loadAtStart !== undefined && r.loadAtStart > os.cpus().length) {
    out.push(`  ! the machine was busy (load average ${r.loadAtStart.toFixed(1)} on ${os.cpus().length} CPUs): absolute figures are low; compare ratios`);
  }
  return out.join('\n');
}

/** Merges results into results.json (replacing the same benchmarks' entries) and returns the file's content. */
export function writeResults(results: BenchResult[], command: string) {
  let prev: { benches?: Record<string, BenchResult> } = {};
  if (existsSync(RESULTS_FILE)) {
    try {
      prev = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
    } catch {
      prev = {};
    }
  }
  const benches = { ...(prev.benches ?? {}) };
  for (const r of results) benches[r.bench] = r;
  const doc = { updatedAt: new Date().toISOString(), command, machine: machine(), benches };
  writeFileSync(RESULTS_FILE, JSON.stringify(doc, null, 2) + '\n');
  return doc;
}
