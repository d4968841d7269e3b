import * as pulumi from '@pulumi/pulumi';

export interface Statement {
  Sid?: string;
  Effect?: 'Allow' | 'Deny';
  Action: string[];
  Resource: pulumi.Input<string>[] | '*';
  Condition?: Record<string, Record<string, unknown>>;
}

/** An IAM policy document as JSON; statements allow unless they say otherwise. */
export function policyDocument(statements: Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({ Effect: 'Allow', ...s })),
  });
}

/** A trust policy letting one AWS service assume the role. */
export function assumedBy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/**
 * The ECR repository ARN of an image URI (`<account>.dkr.ecr.<region>.amazonaws.com/<name>[:tag|@digest]`),
 * or undefined for an image from another registry, which needs no IAM permission to pull.
 */
export function ecrRepositoryArnOf(imageUri: string): string | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(imageUri);
  if (!match) return undefined;
  const [, account, region, name] = match;
  const partition = region!.startsWith('cn-')
    ? 'aws-cn'
    : region!.startsWith('us-gov-')
      ? 'aws-us-gov'
      : 'aws';
  return `arn:${partition}:ecr:${region}:${account}:repository/${name}`;
}
