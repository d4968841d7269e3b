import * as pulumi from '@pulumi/pulumi';

export interface ContainerSpec {
  name: string;
  image: pulumi.Input<string>;
  environment: Record<string, pulumi.Input<string>>;
  /** Environment variables ECS fills from Secrets Manager (`<secret-arn>:<json-key>::`). */
  secrets?: Record<string, pulumi.Input<string>>;
  logGroupName: pulumi.Input<string>;
  region: string;
  port?: number;
  command?: string[];
  /** Seconds between SIGTERM and SIGKILL (Fargate allows up to 120). */
  stopTimeout: number;
}

/** The task definition's `containerDefinitions` JSON for one essential container. */
export function containerDefinitions(spec: ContainerSpec): pulumi.Output<string> {
  const sorted = <T>(record: Record<string, T>) =>
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key] as T] as const);
  return pulumi.jsonStringify([
    {
      name: spec.name,
      image: spec.image,
      essential: true,
      ...(spec.command ? { command: spec.command } : {}),
      ...(spec.port ? { portMappings: [{ containerPort: spec.port, protocol: 'tcp' }] } : {}),
      environment: sorted(spec.environment).map(([name, value]) => ({ name, value })),
      secrets: sorted(spec.secrets ?? {}).map(([name, valueFrom]) => ({ name, valueFrom })),
      stopTimeout: spec.stopTimeout,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': spec.logGroupName,
          'awslogs-region': spec.region,
          'awslogs-stream-prefix': spec.name,
        },
      },
    },
  ]);
}
