import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { containerDefinitions } from './container-definitions';
import type { ServiceName } from './images';

export interface ServiceSpec {
  image: pulumi.Input<string>;
  cpu: number;
  memory: number;
  environment: Record<string, pulumi.Input<string>>;
  secrets: Record<string, pulumi.Input<string>>;
  taskRoleArn: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  logGroupName: pulumi.Input<string>;
  stopTimeout: number;
  /** Fixed task count; undefined hands the count to the autoscaler (it starts at 0). */
  desiredCount?: number;
  port?: number;
  loadBalancer?: { targetGroupArn: pulumi.Input<string>; listener: pulumi.Resource };
}

export interface ServicesArgs {
  prefix: string;
  region: string;
  cluster: aws.ecs.Cluster;
  executionRoleArn: pulumi.Input<string>;
  subnetIds: pulumi.Input<string[]>;
  assignPublicIp: boolean;
  cpuArchitecture: 'X86_64' | 'ARM64';
  services: Record<ServiceName, ServiceSpec>;
  /** The deploy's migration run: no service changes before it has succeeded. */
  migrated: pulumi.Resource;
}

/**
 * The three Fargate services. A deployment that does not become healthy is rolled back by the
 * circuit breaker, and `pulumi up` waits for the services to be steady so it reports that failure.
 */
export class Services extends pulumi.ComponentResource {
  readonly taskDefinitions: Partial<Record<ServiceName, aws.ecs.TaskDefinition>> = {};
  readonly services: Partial<Record<ServiceName, aws.ecs.Service>> = {};

  constructor(name: string, args: ServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:ecs:Services', name, {}, opts);
    for (const [service, spec] of Object.entries(args.services) as [ServiceName, ServiceSpec][]) {
      const taskDefinition = new aws.ecs.TaskDefinition(
        `${name}-${service}`,
        {
          family: `${args.prefix}-${service}`,
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: String(spec.cpu),
          memory: String(spec.memory),
          runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: args.cpuArchitecture },
          executionRoleArn: args.executionRoleArn,
          taskRoleArn: spec.taskRoleArn,
          containerDefinitions: containerDefinitions({
            name: service,
            image: spec.image,
            environment: spec.environment,
            secrets: spec.secrets,
            logGroupName: spec.logGroupName,
            region: args.region,
            port: spec.port,
            stopTimeout: spec.stopTimeout,
          }),
        },
        { parent: this },
      );
      const autoscaled = spec.desiredCount === undefined;
      this.services[service] = new aws.ecs.Service(
        `${name}-${service}`,
        {
          name: service,
          cluster: args.cluster.arn,
          taskDefinition: taskDefinition.arn,
          launchType: 'FARGATE',
          desiredCount: spec.desiredCount ?? 0,
          networkConfiguration: {
            subnets: args.subnetIds,
            securityGroups: [spec.securityGroupId],
            assignPublicIp: args.assignPublicIp,
          },
          deploymentCircuitBreaker: { enable: true, rollback: true },
          deploymentMinimumHealthyPercent: 100,
          deploymentMaximumPercent: 200,
          waitForSteadyState: true,
          propagateTags: 'SERVICE',
          enableEcsManagedTags: true,
          ...(spec.loadBalancer && spec.port
            ? {
                loadBalancers: [
                  {
                    targetGroupArn: spec.loadBalancer.targetGroupArn,
                    containerName: service,
                    containerPort: spec.port,
                  },
                ],
                healthCheckGracePeriodSeconds: 60,
              }
            : {}),
        },
        {
          parent: this,
          dependsOn: [args.migrated, ...(spec.loadBalancer ? [spec.loadBalancer.listener] : [])],
          // The autoscaler owns the worker's count; a deploy must not reset it.
          ignoreChanges: autoscaled ? ['desiredCount'] : [],
        },
      );
      this.taskDefinitions[service] = taskDefinition;
    }
    this.registerOutputs({});
  }
}
