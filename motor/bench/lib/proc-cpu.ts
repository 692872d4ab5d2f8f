import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (user + system, every thread) a process has used so far, in ms, from /proc (Linux);
 * NaN elsewhere. The difference over a phase divided by the requests served is the CPU cost
 * per request, which other work on a shared machine disturbs far less than requests per second.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU time (ms) used so far by every process whose command is `name` (e.g. `postgres`: the server
 * and its backends on this machine), from /proc; NaN when none is visible. Backends that exit
 * between two readings take their time with them, so compare readings over a phase whose
 * connections stay open (a pool).
 */
export function cpuMsOfCommand(name: string): number {
  let total = 0;
  let found = false;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== name) continue;
    } catch {
      continue;
    }
    const ms = cpuMs(Number(pid));
    if (Number.isFinite(ms)) {
      total += ms;
      found = true;
    }
  }
  return found ? total : NaN;
}
