/**
 * Turns a service's JSON log line into one readable terminal line:
 * `12:00:01.123 info  request done  request_id=… job_id=… status=201 duration_ms=12`.
 * Lines that are not JSON pass through unchanged.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { timestamp, level, message, service: _service, stack, ...rest } = entry;
  const time = typeof timestamp === 'string' ? timestamp.slice(11, 23) : '';
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const head = `${time} ${String(level ?? '').padEnd(5)} ${String(message ?? '')}`;
  return [head, fields, typeof stack === 'string' ? `\n${stack}` : ''].filter(Boolean).join('  ');
}
