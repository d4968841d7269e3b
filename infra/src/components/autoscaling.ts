import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface WorkerAutoscalingArgs {
  clusterName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  queueName: pulumi.Input<string>;
  maxTasks: number;
  /** Visible messages per running task to aim for (acceptable latency ÷ seconds per page × workers per task). */
  backlogPerTaskTarget: number;
  /** Minutes the queue must be empty (nothing visible, nothing in flight) before the last task stops. */
  scaleInToZeroMinutes: number;
}

const PERIOD = 60;

/**
 * The worker's task count follows the OCR queue, between 0 and maxTasks:
 * - from zero: as soon as messages are visible while no task runs, start enough tasks for the backlog
 *   (step scaling, one step per `backlogPerTaskTarget` messages);
 * - while running: target tracking keeps visible messages ÷ running tasks at the target;
 * - to zero: once the queue has been empty for `scaleInToZeroMinutes`, set the count to 0.
 * Target tracking sees the target itself whenever nothing is visible or nothing runs, so it never acts
 * on an idle queue (stopping tasks with items still in flight) and leaves those two edges to the steps.
 */
export class WorkerAutoscaling extends pulumi.ComponentResource {
  readonly target: aws.appautoscaling.Target;
  readonly backlogTracking: aws.appautoscaling.Policy;
  readonly scaleOutFromZero: aws.appautoscaling.Policy;
  readonly scaleInToZero: aws.appautoscaling.Policy;
  readonly scaleOutFromZeroAlarm: aws.cloudwatch.MetricAlarm;
  readonly scaleInToZeroAlarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: WorkerAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:autoscaling:WorkerAutoscaling', name, {}, opts);
    const parent = { parent: this };
    const queue = (metricName: string) => ({
      namespace: 'AWS/SQS',
      metricName,
      dimensions: { QueueName: args.queueName },
    });
    const runningTasks = {
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensions: { ClusterName: args.clusterName, ServiceName: args.serviceName },
    };
    const asList = (dimensions: Record<string, pulumi.Input<string>>) =>
      Object.entries(dimensions).map(([dimension, value]) => ({ name: dimension, value }));

    this.target = new aws.appautoscaling.Target(
      name,
      {
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: pulumi.interpolate`service/${args.clusterName}/${args.serviceName}`,
        minCapacity: 0,
        maxCapacity: args.maxTasks,
      },
      parent,
    );
    const scalable = {
      serviceNamespace: this.target.serviceNamespace,
      scalableDimension: this.target.scalableDimension,
      resourceId: this.target.resourceId,
    };

    const target = args.backlogPerTaskTarget;
    this.backlogTracking = new aws.appautoscaling.Policy(
      `${name}-backlog-per-task`,
      {
        ...scalable,
        policyType: 'TargetTrackingScaling',
        targetTrackingScalingPolicyConfiguration: {
          targetValue: target,
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
          customizedMetricSpecification: {
            metrics: [
              {
                id: 'visible',
                metricStat: {
                  metric: {
                    ...queue('ApproximateNumberOfMessagesVisible'),
                    dimensions: asList({ QueueName: args.queueName }),
                  },
                  stat: 'Average',
                },
                returnData: false,
              },
              {
                id: 'running',
                metricStat: {
                  metric: { ...runningTasks, dimensions: asList(runningTasks.dimensions) },
                  stat: 'Average',
                },
                returnData: false,
              },
              {
                id: 'backlog',
                expression: `IF(running > 0 AND visible > 0, visible / running, ${target})`,
                label: 'Visible OCR messages per running worker task',
                returnData: true,
              },
            ],
          },
        },
      },
      parent,
    );

    // One step per `target` messages above the threshold of 1: 1..target → 1 task, target+1..2·target →
    // 2 tasks, … up to 10 tasks; target tracking takes over from there.
    const steps = Math.min(args.maxTasks, 10);
    this.scaleOutFromZero = new aws.appautoscaling.Policy(
      `${name}-from-zero`,
      {
        ...scalable,
        policyType: 'StepScaling',
        stepScalingPolicyConfiguration: {
          // Exact counts: while started tasks are still pending (RunningTaskCount 0) the alarm may fire
          // again, and setting the same count again starts nothing twice.
          adjustmentType: 'ExactCapacity',
          cooldown: 120,
          metricAggregationType: 'Maximum',
          stepAdjustments: Array.from({ length: steps }, (_, k) => ({
            metricIntervalLowerBound: String(k * target),
            ...(k < steps - 1 ? { metricIntervalUpperBound: String((k + 1) * target) } : {}),
            scalingAdjustment: k + 1,
          })),
        },
      },
      parent,
    );
    this.scaleOutFromZeroAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-from-zero`,
      {
        alarmDescription: 'OCR messages are waiting and no worker task runs: start workers',
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        metricQueries: [
          {
            id: 'visible',
            metric: { ...queue('ApproximateNumberOfMessagesVisible'), period: PERIOD, stat: 'Maximum' },
          },
          { id: 'running', metric: { ...runningTasks, period: PERIOD, stat: 'Maximum' } },
          {
            id: 'waiting',
            expression: 'IF(FILL(running, 0) == 0, visible, 0)',
            label: 'Visible OCR messages while no worker runs',
            returnData: true,
          },
        ],
        alarmActions: [this.scaleOutFromZero.arn],
      },
      parent,
    );

    this.scaleInToZero = new aws.appautoscaling.Policy(
      `${name}-to-zero`,
      {
        ...scalable,
        policyType: 'StepScaling',
        stepScalingPolicyConfiguration: {
          adjustmentType: 'ExactCapacity',
          cooldown: 60,
          metricAggregationType: 'Maximum',
          stepAdjustments: [{ metricIntervalUpperBound: '0', scalingAdjustment: 0 }],
        },
      },
      parent,
    );
    this.scaleInToZeroAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-to-zero`,
      {
        alarmDescription: `The OCR queue has been empty for ${args.scaleInToZeroMinutes} min: stop all workers`,
        comparisonOperator: 'LessThanOrEqualToThreshold',
        threshold: 0,
        evaluationPeriods: args.scaleInToZeroMinutes,
        datapointsToAlarm: args.scaleInToZeroMinutes,
        // SQS stops publishing metrics for a queue idle for hours: no data means empty.
        treatMissingData: 'breaching',
        metricQueries: [
          {
            id: 'visible',
            metric: { ...queue('ApproximateNumberOfMessagesVisible'), period: PERIOD, stat: 'Maximum' },
          },
          {
            id: 'inflight',
            metric: { ...queue('ApproximateNumberOfMessagesNotVisible'), period: PERIOD, stat: 'Maximum' },
          },
          {
            id: 'pending',
            expression: 'FILL(visible, 0) + FILL(inflight, 0)',
            label: 'OCR messages visible or in flight',
            returnData: true,
          },
        ],
        alarmActions: [this.scaleInToZero.arn],
      },
      parent,
    );
    this.registerOutputs({});
  }
}
