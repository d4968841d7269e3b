import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface WorkerAutoscalingArgs {
  clusterName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  queueName: pulumi.Input<string>;
  maxTasks: number;
  /** Messages one task reads within the acceptable latency (latency ÷ seconds per page × workers per task): the step size. */
  backlogPerTaskTarget: number;
  /** Minutes the queue must be empty (nothing visible, nothing in flight) before the last task stops. */
  scaleInToZeroMinutes: number;
}

const PERIOD = 60;

/**
 * Step sizes of the scale-out policy, relative to its alarm threshold (1 visible message): below
 * `target` visible messages add 1 task, below 5·target add 2, from 5·target add 4 — each time the
 * alarm is evaluated (every minute) after the cooldown, until the backlog is gone or maxTasks runs.
 */
export function scaleOutSteps(target: number) {
  return [
    { metricIntervalLowerBound: '0', metricIntervalUpperBound: String(target), scalingAdjustment: 1 },
    {
      metricIntervalLowerBound: String(target),
      metricIntervalUpperBound: String(5 * target),
      scalingAdjustment: 2,
    },
    { metricIntervalLowerBound: String(5 * target), scalingAdjustment: 4 },
  ];
}

/**
 * The worker's task count follows the OCR queue, between 0 and maxTasks, with step scaling only
 * (as AWS CDK's QueueProcessingFargateService does; no target tracking mixed in):
 * - out (also from zero): while at least one OCR message is visible, i.e. waiting because no worker
 *   slot is free, add tasks ({@link scaleOutSteps}; cooldown 120 s, the time a Fargate task needs to
 *   start and poll). The alarm reads one SQS metric, no metric math and nothing from the tasks, so it
 *   behaves the same with 0 tasks running as with 10.
 * - in (to zero): once nothing has been visible or in flight (ApproximateNumberOfMessagesVisible +
 *   ApproximateNumberOfMessagesNotVisible) for `scaleInToZeroMinutes`, set the count to 0. A message
 *   in flight is an item a worker is processing, so scale-in never interrupts work. The sum is the one
 *   expression here; it reads SQS metrics only, and missing data (SQS stops publishing for a queue idle
 *   for hours) counts as empty, the direction in which acting is harmless.
 */
export class WorkerAutoscaling extends pulumi.ComponentResource {
  readonly target: aws.appautoscaling.Target;
  readonly scaleOut: aws.appautoscaling.Policy;
  readonly scaleInToZero: aws.appautoscaling.Policy;
  readonly scaleOutAlarm: aws.cloudwatch.MetricAlarm;
  readonly scaleInToZeroAlarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: WorkerAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:autoscaling:WorkerAutoscaling', name, {}, opts);
    const parent = { parent: this };
    const queue = (metricName: string) => ({
      namespace: 'AWS/SQS',
      metricName,
      dimensions: { QueueName: args.queueName },
    });

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

    this.scaleOut = new aws.appautoscaling.Policy(
      `${name}-out`,
      {
        ...scalable,
        policyType: 'StepScaling',
        stepScalingPolicyConfiguration: {
          adjustmentType: 'ChangeInCapacity',
          cooldown: 120,
          metricAggregationType: 'Maximum',
          stepAdjustments: scaleOutSteps(args.backlogPerTaskTarget),
        },
      },
      parent,
    );
    this.scaleOutAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-out`,
      {
        alarmDescription: 'OCR messages are waiting for a free worker: add worker tasks',
        ...queue('ApproximateNumberOfMessagesVisible'),
        statistic: 'Maximum',
        period: PERIOD,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // No data: SQS publishes nothing for an idle queue, so nothing is waiting.
        treatMissingData: 'notBreaching',
        alarmActions: [this.scaleOut.arn],
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
