import cliProgress from 'cli-progress';

/** One counter the user watches (uploaded bytes, read items). */
export interface Counter {
  update(value: number, detail?: string): void;
}

export interface Progress {
  counter(label: string, total: number, unit: string): Counter;
  stop(): void;
}

/**
 * Bars on a terminal (cli-progress, on stderr so stdout stays for results); plain lines when stderr
 * is not a TTY (CI logs, pipes), one per change.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bars = new cliProgress.MultiBar(
      {
        stream,
        format: '{label} |{bar}| {value}/{total} {unit} {detail}',
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      counter(label, total, unit) {
        const bar = bars.create(total, 0, { label: label.padEnd(9), unit, detail: '' });
        return { update: (value, detail = '') => bar.update(value, { detail }) };
      },
      stop: () => bars.stop(),
    };
  }
  return {
    counter(label, total, unit) {
      let last = '';
      return {
        update(value, detail = '') {
          const line = `${label}: ${value}/${total} ${unit}${detail ? ` ${detail}` : ''}`;
          if (line !== last) stream.write(`${line}\n`);
          last = line;
        },
      };
    },
    stop: () => undefined,
  };
}
