import type { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * Parses the environment once against a schema. Every wrong or missing value becomes one line that
 * names the variable, e.g. `PORT: expected a port number 1-65535 (got "abc")`.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.') || '(environment)';
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    return `${variable}: ${issue.message} (${value === undefined ? 'not set' : `got ${JSON.stringify(value)}`})`;
  });
  throw new ConfigError(`invalid configuration: ${issues.join('; ')}`, issues);
}

/**
 * {@link loadConfig} for a process entry point: on a bad value it prints one line per variable to
 * stderr and exits with code 78 (EX_CONFIG) before anything else starts.
 */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.issues) console.error(`config error: ${line}`);
    process.exit(78);
  }
}
