/** Resident memory of the stack's service processes, from /proc (Linux), sampled while work runs. */
import fs from 'node:fs';

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

function children(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The descendant of `root` whose command line contains `match` (e.g. `jobs-api/dist/main.js`). */
export function findProcess(root: number, match: string): number {
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    if (cmdline.includes(match)) return pid;
    queue.push(...children(pid));
  }
  throw new Error(`no process matching ${match} under ${root}`);
}

/** Samples a process's RSS every 20 ms until stopped: the RSS before, the peak and the last. */
export function sampleRss(pid: number): () => { beforeMb: number; peakMb: number; afterMb: number } {
  const beforeMb = rssMb(pid);
  let peakMb = beforeMb;
  const timer = setInterval(() => {
    try {
      peakMb = Math.max(peakMb, rssMb(pid));
    } catch {
      clearInterval(timer); // the process has gone; the caller's own error says why
    }
  }, 20);
  return () => {
    clearInterval(timer);
    const afterMb = rssMb(pid);
    return { beforeMb, peakMb: Math.max(peakMb, afterMb), afterMb };
  };
}

/** CPU seconds a process has used so far (user + system), from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat; 12 and 13 after the pid and the command.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
