import winston from 'winston';

export type Logger = winston.Logger;

/**
 * JSON lines on stdout, one object per event, with the service name on every line. Use
 * `logger.child({ request_id, job_id, item_id })` per request or message so every line carries them.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format((info) => {
        // Errors nested in metadata (e.g. { err }) would serialise as {}; keep what a person needs.
        for (const [key, value] of Object.entries(info)) {
          if (value instanceof Error) info[key] = serializeError(value);
        }
        return info;
      })(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
}

function serializeError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.stack) out.stack = error.stack;
  if (error.cause instanceof Error) out.cause = serializeError(error.cause);
  else if (error.cause !== undefined) out.cause = String(error.cause);
  return out;
}
