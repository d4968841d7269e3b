import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';

export interface CommandResult {
  code: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
}

/** Runs a command to completion; its output is collected, and appended to `logFile` when given. */
export function runCommand(
  command: string,
  args: string[],
  options: { logFile?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: options.env,
    };
    const child = spawn(command, args, spawnOptions);
    const log = options.logFile ? fs.createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      log?.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      log?.end();
      resolve({ code, output });
    });
  });
}

/** Like runCommand, but a non-zero exit is an error that carries an excerpt of the output. */
export async function mustRun(
  command: string,
  args: string[],
  options: { logFile?: string; head?: number; tail?: number } = {},
) {
  const result = await runCommand(command, args, options);
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.code}:\n${excerpt(result.output, options.head, options.tail)}`,
    );
  return result.output;
}

export function lastLines(text: string | string[], count: number): string {
  const lines = (Array.isArray(text) ? text : text.split('\n')).filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n');
}

/** A command's output cut to size: its first lines (where Node prints the error) and its last ones. */
export function excerpt(text: string, head = 6, tail = 8): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !NOISE.test(line));
  if (lines.length <= head + tail + 1) return lines.join('\n');
  return [...lines.slice(0, head), `… ${lines.length - head - tail} lines …`, ...lines.slice(-tail)].join(
    '\n',
  );
}
/** What buildah adds when the command fails; the command's own output says more. */
const NOISE = /^(subprocess exited with status \d+|Error: exit status \d+)$/;

/** Direct children of a process, from /proc (Linux). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses; the fields after its closing ')' do not.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      /* the process ended while we looked */
    }
  }
  return children;
}

export function commandLineOf(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
