// Child processes of the bench: our built server (dist/src/main.js, production mode,
// configured through the environment like testkit/child-service.ts) and the bare
// ceiling server; plus memory readings from /proc.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// Compiled to dist/bench/: the server is dist/src/main.js, the ceiling sits beside us.
export const MAIN = path.resolve(__dirname, '../src/main.js');
export const CEILING = path.resolve(__dirname, 'ceiling-server.js');
export const SIMS = path.resolve(__dirname, 'sims-child.js');

export interface Child {
  url: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  /** The child's ready message (the simulators add their URLs to it). */
  readyMessage: Record<string, unknown>;
  /** Request/answer over IPC (the simulators' child only). */
  call(op: string, args?: Record<string, unknown>): Promise<unknown>;
  output(): string;
  stop(): Promise<void>;
}

export function startNode(script: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000, nodeArgs: string[] = []): Promise<Child> {
  const proc = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} did not start in time:\n${out}`));
    }, timeoutMs);
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(script)} exited with ${code} before it was ready:\n${out}`));
    };
    proc.once('exit', early);
    let nextId = 1;
    const waiting = new Map<number, (v: unknown) => void>();
    proc.on('message', (m: { ready?: boolean; port?: number; id?: number; result?: unknown }) => {
      if (m?.id !== undefined) {
        waiting.get(m.id)?.(m.result);
        waiting.delete(m.id);
        return;
      }
      if (!m?.ready) return;
      clearTimeout(timer);
      proc.off('exit', early);
      const port = Number(m.port);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        pid: proc.pid!,
        proc,
        readyMessage: m as Record<string, unknown>,
        call: (op, args = {}) =>
          new Promise((res) => {
            const id = nextId++;
            waiting.set(id, res);
            proc.send({ id, op, ...args });
          }),
        output: () => out,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}

export interface Memory {
  rssMb: number;
  hwmMb: number;
}

/** VmRSS (now) and VmHWM (peak since start) of a process, in MB. */
export function memoryOf(pid: number): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: round1(kb('VmRSS') / 1024), hwmMb: round1(kb('VmHWM') / 1024) };
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

export function loadAverage(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  return cpuSecondsIn(`/proc/${pid}/stat`);
}

/**
 * CPU seconds the main thread (the event loop) of a process has used so far. The process
 * total also counts the WAL checkpoint thread and libuv's pool, which do not hold up an answer.
 */
export function mainThreadCpuSecondsOf(pid: number): number {
  return cpuSecondsIn(`/proc/${pid}/task/${pid}/stat`);
}

function cpuSecondsIn(statFile: string): number {
  const stat = fs.readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] = utime, fields[12] = stime (clock ticks; 100 per second on Linux)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The machine's CPU time so far, from the first line of /proc/stat (clock ticks, all cores). */
export interface CpuTimes {
  /** Time the cores ran something (user, nice, system, irq, softirq) or wanted to and could not (steal). */
  wanted: number;
  steal: number;
}

export function machineCpuTimes(): CpuTimes {
  const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  return { wanted: user + nice + system + irq + softirq + (steal ?? 0), steal: steal ?? 0 };
}

/**
 * Of the time the machine's cores had work since `from`, the share the hypervisor ran other
 * guests instead, in percent. On a shared VM this moves every number in the table: at idle
 * it is ~2 % here, under the sustained phase 25–50 % was seen, in a run where even the bare
 * ceiling server's p99 at 2,000/s reached 0.9 s.
 */
export function stolenPercentSince(from: CpuTimes): number {
  const now = machineCpuTimes();
  const wanted = now.wanted - from.wanted;
  return wanted > 0 ? Math.round(((now.steal - from.steal) / wanted) * 1000) / 10 : 0;
}
