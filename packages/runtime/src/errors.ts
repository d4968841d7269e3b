/**
 * The typed error hierarchy every package uses. Each error has a stable machine-readable `code`
 * and keeps what caused it in `cause`, so a log line shows the whole chain.
 */
export class OcrJobsError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or invalid; the process cannot start. */
export class ConfigError extends OcrJobsError {
  constructor(
    message: string,
    public readonly issues: string[],
  ) {
    super('CONFIG_INVALID', message);
  }
}

/** A dependency (database, S3, SQS, DynamoDB) could not be reached or failed; retrying may help. */
export class DependencyError extends OcrJobsError {
  constructor(
    public readonly dependency: 'database' | 's3' | 'sqs' | 'dynamodb',
    message: string,
    options?: { cause?: unknown },
  ) {
    super('DEPENDENCY_UNAVAILABLE', message, options);
  }
}
