/**
 * Runs the smoke test as numbered steps and says plainly which one failed and why. After a failure
 * the remaining steps are not run, except those marked `always` (stopping what was started).
 */
export interface Step {
  title: string;
  /** Returns a one-line result to print, e.g. the image size. */
  run(): Promise<string | void>;
  always?: boolean;
}

const colour = process.stdout.isTTY;
const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
export const say = (line = '') => process.stdout.write(`${line}\n`);
export const indent = (text: string, by = '      ') =>
  text
    .split('\n')
    .map((line) => by + line)
    .join('\n');

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export interface StepsResult {
  failed: { index: number; title: string; error: Error } | undefined;
  passed: number;
  notRun: string[];
}

export async function runSteps(steps: Step[], onFailure: () => string): Promise<StepsResult> {
  const result: StepsResult = { failed: undefined, passed: 0, notRun: [] };
  for (const [i, step] of steps.entries()) {
    const label = `[${String(i + 1).padStart(2)}/${steps.length}] ${step.title}`;
    if (result.failed && !step.always) {
      result.notRun.push(label);
      continue;
    }
    say(paint('1', `${label}`));
    const started = Date.now();
    try {
      const detail = await step.run();
      result.passed++;
      say(`      ${paint('32', 'ok')} ${detail ?? ''} (${seconds(Date.now() - started)})`);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      say(`      ${paint('31', 'FAILED')} after ${seconds(Date.now() - started)}`);
      say(indent(err.message));
      if (!result.failed) {
        result.failed = { index: i + 1, title: step.title, error: err };
        const context = onFailure();
        if (context) say(context);
      }
    }
  }
  return result;
}

/** The first line of an error, and the line naming the error if that comes later (Node's stack output). */
function headline(message: string): string[] {
  const lines = message.split('\n');
  const named = lines.slice(1).find((line) => /^\s*\w*Error\b/.test(line));
  return named ? [lines[0] as string, named.trim()] : [lines[0] as string];
}

export function summary(result: StepsResult, totalMs: number): string {
  const lines = [''];
  if (!result.failed) {
    lines.push(paint('32', `container smoke test passed: ${result.passed} steps in ${seconds(totalMs)}`));
    return lines.join('\n');
  }
  lines.push(
    paint('31', `container smoke test FAILED at step ${result.failed.index}: ${result.failed.title}`),
    ...headline(result.failed.error.message).map((line) => `  ${line}`),
    `  ${result.passed} steps passed, ${result.notRun.length} not run, ${seconds(totalMs)}`,
  );
  if (result.notRun.length) lines.push('  not run:', ...result.notRun.map((label) => `    ${label}`));
  return lines.join('\n');
}
