import fs from 'node:fs';

/** What each process of the local stack has in its command line. */
export const PROCESS_MARKERS = {
  'jobs-api': 'services/jobs-api/dist/main.js',
  'ocr-worker': 'services/ocr-worker/dist/main.js',
  'audit-logger': 'services/audit-logger/dist/main.js',
  fauxqs: 'bin/fauxqs-server.mjs',
  s3rver: 'bin/s3rver-server.cjs',
  dynalite: 'dynalite/cli.js',
} as const;
export type StackProcess = keyof typeof PROCESS_MARKERS;

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The live child of `parentPid` running `name`, if any (Linux /proc). */
export function pidOf(parentPid: number, name: StackProcess): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || parentOf(pid) !== parentPid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(PROCESS_MARKERS[name])) return pid;
    } catch {
      /* exited meanwhile */
    }
  }
  return undefined;
}

/** Every process of the stack: the supervisor and its children. */
export function stackPids(parentPid: number): number[] {
  const children = (Object.keys(PROCESS_MARKERS) as StackProcess[]).flatMap((n) => pidOf(parentPid, n) ?? []);
  return [parentPid, ...children];
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
