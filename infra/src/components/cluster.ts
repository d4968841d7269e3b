import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { SERVICES, type ServiceName } from './images';

export type LoggedTask = ServiceName | 'migrate';

export interface ClusterArgs {
  prefix: string;
  logRetentionDays: number;
}

/** The ECS cluster (Container Insights on: the worker's RunningTaskCount drives autoscaling) and a log group per task. */
export class Cluster extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly logGroups: Record<LoggedTask, aws.cloudwatch.LogGroup>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:ecs:Cluster', name, {}, opts);
    const parent = { parent: this };
    this.cluster = new aws.ecs.Cluster(
      name,
      { name: args.prefix, settings: [{ name: 'containerInsights', value: 'enabled' }] },
      parent,
    );
    const logGroups: Partial<Record<LoggedTask, aws.cloudwatch.LogGroup>> = {};
    for (const task of [...SERVICES, 'migrate'] as const) {
      logGroups[task] = new aws.cloudwatch.LogGroup(
        `${name}-${task}`,
        { name: `/ocr-jobs/${args.prefix}/${task}`, retentionInDays: args.logRetentionDays },
        parent,
      );
    }
    this.logGroups = logGroups as Record<LoggedTask, aws.cloudwatch.LogGroup>;
    this.registerOutputs({ cluster: this.cluster.name });
  }
}
