/**
 * What the bench's tools share about the servers they start and measure: how `npm start` starts
 * ours, and a process's CPU time and resident memory as Linux counts them (/proc).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The V8 flags that size the heap (BENCH_HEAP_FLAGS replaces them; "without heap flags" drops them). */
export const HEAP_FLAG = /^--(max-semi-space-size|max-old-space-size|min-semi-space-size|semi-space-growth-factor)=/;

export interface ProductionStart {
  /** The environment the start script sets (`VAR=value` before `node`). */
  env: Record<string, string>;
  /** node's flags other than the heap's. */
  flags: string[];
  heapFlags: string[];
  entry: string;
  script: string;
}

/** `npm start` as package.json has it: `[VAR=value ...] [exec] node <flags> <entry>.js`. The bench starts ours the same way. */
export function productionStart(root = ROOT): ProductionStart {
  const script = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  const match = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)(?:exec\s+)?node\s+((?:--\S+\s+)*)(\S+\.js)$/.exec(script.trim());
  if (!match) throw new Error(`package.json's start is not "[VAR=value ...] [exec] node [flags] <file>.js": ${script}`);
  const env = Object.fromEntries(
    match[1]!
      .split(/\s+/)
      .filter(Boolean)
      .map((assignment) => [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)]),
  );
  const all = match[2]!.split(/\s+/).filter(Boolean);
  return { env, flags: all.filter((f) => !HEAP_FLAG.test(f)), heapFlags: all.filter((f) => HEAP_FLAG.test(f)), entry: match[3]!, script };
}

/** NaN once the process is gone (a server that died under load is reported by its caller). */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  if (!existsSync(`/proc/${pid}/status`)) return NaN;
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** CPU time the process has used, user + system (fields 14 and 15 of /proc/<pid>/stat), in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Resets the kernel's peak-RSS mark (clear_refs 5), so VmHWM afterwards is the peak under load, not at start. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
