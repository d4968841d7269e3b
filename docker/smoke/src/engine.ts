/** What the smoke test needs from a container engine; docker and podman/buildah implement it. */

export interface ImageInfo {
  user: string;
  entrypoint: string[];
  cmd: string[];
  /** The HEALTHCHECK command, e.g. ['CMD', 'node', '-e', '…'], if the image has one. */
  healthcheck: string[] | undefined;
  sizeBytes: number;
}

export interface RunOptions {
  /** The host's network (the stand-ins listen on its loopback) or none at all. */
  network: 'host' | 'none';
  env: Record<string, string>;
  /** Host directories mounted at the same path inside the container. */
  mounts: string[];
}

export interface RunningContainer {
  name: string;
  /** Everything the container printed so far, one entry per line. */
  output: string[];
  /** Exit code once it has ended, undefined while it runs. */
  exitCode(): number | null | undefined;
  /** SIGTERM to the container's main process; its exit code, or null if it had to be killed. */
  stop(timeoutMs: number): Promise<number | null>;
  /** Gone for good: killed if still running, container removed. */
  remove(): Promise<void>;
}

export interface ContainerEngine {
  /** e.g. "docker 28.2.2" or "podman 4.3.1 + buildah 1.28.2" */
  description: string;
  build(dockerfile: string, tag: string, logFile: string): Promise<void>;
  inspect(tag: string): Promise<ImageInfo>;
  /** Starts the image's own entry point (ENTRYPOINT + CMD), on the host network. */
  start(tag: string, name: string, options: RunOptions): Promise<RunningContainer>;
  /** Runs a one-off command in a fresh container of the image, as the image's user. */
  run(tag: string, command: string[], options: RunOptions): Promise<{ code: number | null; output: string }>;
}
