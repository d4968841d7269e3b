import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { ContainerEngine, ImageInfo, RunOptions, RunningContainer } from './engine';
import { childrenOf, commandLineOf, mustRun, runCommand, sleep } from './processes';

/**
 * No Docker engine: build with podman, run with buildah (`podman run` is not available everywhere,
 * e.g. where cgroups cannot be delegated). `buildah run --isolation=chroot` has no PID 1 of its own and
 * answers SIGTERM by killing the command, so stop() sends SIGTERM to the image's command itself, as
 * `docker stop` would to PID 1.
 */
export async function buildahEngine(repoRoot: string): Promise<ContainerEngine> {
  const podman = (await mustRun('podman', ['--version'])).trim().replace('podman version ', '');
  const buildah = (await mustRun('buildah', ['--version'])).trim().split(' ')[2];

  function runArgs(container: string, command: string[], options: RunOptions): string[] {
    return [
      'run',
      '--isolation=chroot',
      // Chroot isolation always shares the host's network; it cannot take it away.
      '--network=host',
      ...Object.entries(options.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      ...options.mounts.flatMap((dir) => ['-v', `${dir}:${dir}`]),
      container,
      '--',
      ...command,
    ];
  }

  async function inspect(tag: string): Promise<ImageInfo> {
    const [image] = JSON.parse(await mustRun('podman', ['image', 'inspect', tag]));
    return {
      user: image.Config?.User ?? '',
      entrypoint: image.Config?.Entrypoint ?? [],
      cmd: image.Config?.Cmd ?? [],
      healthcheck: image.Healthcheck?.Test ?? image.Config?.Healthcheck?.Test,
      sizeBytes: image.Size,
    };
  }

  /** The image's command: the child of buildah-chroot-exec somewhere below the `buildah run` process. */
  function mainProcess(buildahPid: number): number | undefined {
    const queue = [buildahPid];
    while (queue.length) {
      const pid = queue.shift() as number;
      const children = childrenOf(pid);
      if (commandLineOf(pid)[0]?.endsWith('buildah-chroot-exec')) return children[0];
      queue.push(...children);
    }
    return undefined;
  }

  return {
    description: `podman ${podman} + buildah ${buildah}`,

    async build(dockerfile, tag, logFile) {
      // --format docker keeps HEALTHCHECK, which the OCI image format has no field for.
      await mustRun(
        'podman',
        [
          'build',
          '--pull=never',
          '--isolation=chroot',
          '--format',
          'docker',
          '-f',
          dockerfile,
          '-t',
          tag,
          repoRoot,
        ],
        { logFile, head: 0, tail: 25 },
      );
    },

    inspect,

    async start(tag, name, options): Promise<RunningContainer> {
      const image = await inspect(tag);
      const container = (await mustRun('buildah', ['from', '--pull=never', '--name', name, tag])).trim();
      const child = spawn('buildah', runArgs(container, [...image.entrypoint, ...image.cmd], options), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      for (const stream of [child.stdout, child.stderr])
        readline.createInterface({ input: stream }).on('line', (l) => output.push(l));
      let exitCode: number | null | undefined;
      const exited = new Promise<void>((resolve) =>
        child.on('exit', (code) => {
          exitCode = code;
          resolve();
        }),
      );
      const kill = async () => {
        if (exitCode !== undefined || !child.pid) return;
        // Found before buildah goes: after that the command would be an orphan nobody points to.
        const main = mainProcess(child.pid);
        if (main) process.kill(main, 'SIGKILL');
        child.kill('SIGKILL');
        await exited;
      };
      return {
        name,
        output,
        exitCode: () => exitCode,
        async stop(timeoutMs) {
          if (exitCode !== undefined) return exitCode;
          const main = child.pid ? mainProcess(child.pid) : undefined;
          if (!main) throw new Error(`${name}: cannot find the container's main process`);
          process.kill(main, 'SIGTERM');
          const inTime = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
          if (inTime) return exitCode ?? null;
          await kill();
          return null;
        },
        async remove() {
          await kill();
          await runCommand('buildah', ['rm', container]);
        },
      };
    },

    async run(tag, command, options) {
      const container = (await mustRun('buildah', ['from', '--pull=never', tag])).trim();
      try {
        return await runCommand('buildah', runArgs(container, command, options));
      } finally {
        await runCommand('buildah', ['rm', container]);
      }
    },
  };
}
