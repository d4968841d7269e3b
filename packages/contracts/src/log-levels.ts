/** The values of every service's LOG_LEVEL (winston's levels); infra validates its logLevel against them too. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
