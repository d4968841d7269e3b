import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { ContainerEngine, ImageInfo, RunOptions, RunningContainer } from './engine';
import { mustRun, runCommand } from './processes';

function runFlags(options: RunOptions): string[] {
  return [
    `--network=${options.network}`,
    ...Object.entries(options.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    ...options.mounts.flatMap((dir) => ['-v', `${dir}:${dir}`]),
  ];
}

/** A Docker engine: `docker build`, `docker run -d`, `docker stop` (SIGTERM to PID 1, then SIGKILL). */
export async function dockerEngine(repoRoot: string): Promise<ContainerEngine> {
  const version = (await mustRun('docker', ['version', '--format', '{{.Server.Version}}'])).trim();
  return {
    description: `docker ${version}`,

    async build(dockerfile, tag, logFile) {
      await mustRun('docker', ['build', '-f', dockerfile, '-t', tag, repoRoot], {
        logFile,
        head: 0,
        tail: 25,
      });
    },

    async inspect(tag): Promise<ImageInfo> {
      const [image] = JSON.parse(await mustRun('docker', ['image', 'inspect', tag]));
      return {
        user: image.Config.User ?? '',
        entrypoint: image.Config.Entrypoint ?? [],
        cmd: image.Config.Cmd ?? [],
        healthcheck: image.Config.Healthcheck?.Test,
        sizeBytes: image.Size,
      };
    },

    async start(tag, name, options): Promise<RunningContainer> {
      await mustRun('docker', ['run', '-d', '--name', name, ...runFlags(options), tag]);
      const output: string[] = [];
      const logs = spawn('docker', ['logs', '-f', name], { stdio: ['ignore', 'pipe', 'pipe'] });
      for (const stream of [logs.stdout, logs.stderr])
        readline.createInterface({ input: stream }).on('line', (l) => output.push(l));
      let exitCode: number | null | undefined;
      const waiting = runCommand('docker', ['wait', name]).then((r) => {
        exitCode = r.code === 0 ? Number(r.output.trim()) : null;
      });
      return {
        name,
        output,
        exitCode: () => exitCode,
        async stop(timeoutMs) {
          await runCommand('docker', ['stop', '-t', String(Math.ceil(timeoutMs / 1000)), name]);
          await waiting;
          const state = JSON.parse(await mustRun('docker', ['inspect', '--format', '{{json .State}}', name]));
          return state.OOMKilled || state.ExitCode === 137 ? null : state.ExitCode;
        },
        async remove() {
          await runCommand('docker', ['rm', '-f', name]);
          logs.kill();
        },
      };
    },

    async run(tag, command, options) {
      return runCommand('docker', ['run', '--rm', ...runFlags(options), tag, ...command]);
    },
  };
}
