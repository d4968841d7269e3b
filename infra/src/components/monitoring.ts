import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface MonitoringArgs {
  prefix: string;
  region: string;
  queues: {
    ocr: pulumi.Input<string>;
    ocrDeadLetter: pulumi.Input<string>;
    audit: pulumi.Input<string>;
    auditDeadLetter: pulumi.Input<string>;
  };
  clusterName: pulumi.Input<string>;
  workerServiceName: pulumi.Input<string>;
  /** `app/<name>/<id>` and `targetgroup/<name>/<id>`, as CloudWatch names them. */
  loadBalancerArnSuffix: pulumi.Input<string>;
  targetGroupArnSuffix: pulumi.Input<string>;
  databaseIdentifier: pulumi.Input<string>;
  auditTableName: pulumi.Input<string>;
  auditTenantIndexName: string;
  workerLogGroupName: pulumi.Input<string>;
  /** Namespace of the worker's Embedded Metric Format metrics. */
  metricsNamespace: string;
  alarmEmail?: string;
  thresholds: {
    oldestMessageAgeSeconds: number;
    alb5xxPerFiveMinutes: number;
    dbCpuPercent: number;
    dbFreeStorageGb: number;
    workerErrorsPerFiveMinutes: number;
  };
}

type Dimensions = Record<string, pulumi.Input<string>>;

/**
 * What an operator watches: one dashboard, and alarms that notify an SNS topic (optionally e-mailed)
 * when they fire and when they clear.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly dashboardUrl: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:monitoring:Monitoring', name, {}, opts);
    const parent = { parent: this };
    const t = args.thresholds;
    // Not KMS-encrypted: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key.
    this.topic = new aws.sns.Topic(`${name}-alarms`, { name: `${args.prefix}-alarms` }, parent);
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: this.topic.arn, protocol: 'email', endpoint: args.alarmEmail },
        parent,
      );
    }

    const alarm = (
      key: string,
      description: string,
      spec: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions' | 'alarmDescription'>,
    ) => {
      this.alarms[key] = new aws.cloudwatch.MetricAlarm(
        `${name}-${key}`,
        {
          name: `${args.prefix}-${key}`,
          alarmDescription: description,
          treatMissingData: 'notBreaching',
          ...spec,
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
        },
        parent,
      );
    };
    const sqs = (queue: pulumi.Input<string>) => ({ QueueName: queue });

    for (const [key, queue, label] of [
      ['ocr-dlq-not-empty', args.queues.ocrDeadLetter, 'OCR'],
      ['audit-dlq-not-empty', args.queues.auditDeadLetter, 'audit'],
    ] as const) {
      alarm(key, `Messages reached the ${label} dead-letter queue: inspect them, fix the cause, redrive`, {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: sqs(queue),
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      });
    }
    for (const [key, queue, label] of [
      ['ocr-oldest-message-too-old', args.queues.ocr, 'OCR'],
      ['audit-oldest-message-too-old', args.queues.audit, 'audit'],
    ] as const) {
      alarm(key, `The oldest ${label} message waits longer than ${t.oldestMessageAgeSeconds} s`, {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: sqs(queue),
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 3,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: t.oldestMessageAgeSeconds,
      });
    }
    const alb = { LoadBalancer: args.loadBalancerArnSuffix };
    const targets = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    alarm('alb-5xx', `More than ${t.alb5xxPerFiveMinutes} 5xx answers (ALB or API) in 5 minutes`, {
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.alb5xxPerFiveMinutes,
      evaluationPeriods: 1,
      metricQueries: [
        {
          id: 'elb',
          metric: {
            namespace: 'AWS/ApplicationELB',
            metricName: 'HTTPCode_ELB_5XX_Count',
            dimensions: alb,
            period: 300,
            stat: 'Sum',
          },
        },
        {
          id: 'api',
          metric: {
            namespace: 'AWS/ApplicationELB',
            metricName: 'HTTPCode_Target_5XX_Count',
            dimensions: alb,
            period: 300,
            stat: 'Sum',
          },
        },
        { id: 'errors', expression: 'FILL(elb, 0) + FILL(api, 0)', label: '5xx answers', returnData: true },
      ],
    });
    alarm('api-unhealthy-targets', 'API tasks fail the /healthz check', {
      namespace: 'AWS/ApplicationELB',
      metricName: 'UnHealthyHostCount',
      dimensions: targets,
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 3,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
    });
    alarm('api-no-healthy-targets', 'No API task is healthy: the API is down', {
      namespace: 'AWS/ApplicationELB',
      metricName: 'HealthyHostCount',
      dimensions: targets,
      statistic: 'Minimum',
      period: 60,
      evaluationPeriods: 3,
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      treatMissingData: 'breaching',
    });
    const db = { DBInstanceIdentifier: args.databaseIdentifier };
    alarm('db-cpu-high', `Database CPU above ${t.dbCpuPercent}% for 15 minutes`, {
      namespace: 'AWS/RDS',
      metricName: 'CPUUtilization',
      dimensions: db,
      statistic: 'Average',
      period: 300,
      evaluationPeriods: 3,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: t.dbCpuPercent,
    });
    alarm('db-free-storage-low', `Database free storage below ${t.dbFreeStorageGb} GiB`, {
      namespace: 'AWS/RDS',
      metricName: 'FreeStorageSpace',
      dimensions: db,
      statistic: 'Minimum',
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: 'LessThanThreshold',
      threshold: t.dbFreeStorageGb * 1024 ** 3,
    });

    // Error lines of the worker's JSON log, whatever their cause (S3, database, engine, bugs).
    const workerErrors = { namespace: args.metricsNamespace, name: 'WorkerErrorLogLines' };
    new aws.cloudwatch.LogMetricFilter(
      `${name}-worker-errors`,
      {
        logGroupName: args.workerLogGroupName,
        pattern: '{ $.level = "error" }',
        metricTransformation: {
          namespace: workerErrors.namespace,
          name: workerErrors.name,
          value: '1',
          defaultValue: '0',
        },
      },
      parent,
    );
    alarm('worker-errors', `At least ${t.workerErrorsPerFiveMinutes} worker errors in 5 minutes`, {
      namespace: workerErrors.namespace,
      metricName: workerErrors.name,
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: t.workerErrorsPerFiveMinutes,
    });

    const dashboardName = `${args.prefix}`;
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName,
        dashboardBody: dashboardBody(
          args,
          Object.values(this.alarms).map((a) => a.arn),
        ),
      },
      parent,
    );
    this.dashboardUrl = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards:name=${this.dashboard.dashboardName}`;
    this.registerOutputs({ dashboardUrl: this.dashboardUrl });
  }
}

/** A metric line of a dashboard widget: [namespace, name, dim1, value1, …, {options}]. */
function metric(
  namespace: string,
  name: string,
  dimensions: Dimensions,
  options: Record<string, unknown> = {},
) {
  return [namespace, name, ...Object.entries(dimensions).flat(), options];
}

function search(namespace: string, metricName: string, stat: string, label: string) {
  return [
    { expression: `SEARCH('Namespace="${namespace}" MetricName="${metricName}"', '${stat}', 60)`, label },
  ];
}

function dashboardBody(args: MonitoringArgs, alarmArns: pulumi.Output<string>[]): pulumi.Output<string> {
  const widget = (title: string, metrics: unknown[], extra: Record<string, unknown> = {}) => ({
    type: 'metric',
    width: 12,
    height: 6,
    properties: {
      title,
      region: args.region,
      view: 'timeSeries',
      stacked: false,
      period: 60,
      metrics,
      ...extra,
    },
  });
  const q = args.queues;
  const alb = { LoadBalancer: args.loadBalancerArnSuffix };
  const db = { DBInstanceIdentifier: args.databaseIdentifier };
  const table = { TableName: args.auditTableName };
  const ns = args.metricsNamespace;
  const queueMetric = (name: string, queue: pulumi.Input<string>, label: string) =>
    metric('AWS/SQS', name, { QueueName: queue }, { label, stat: 'Maximum' });
  const widgets = [
    {
      type: 'alarm',
      width: 24,
      height: 4,
      properties: { title: 'Alarms', alarms: alarmArns },
    },
    widget('Queue depth', [
      queueMetric('ApproximateNumberOfMessagesVisible', q.ocr, 'OCR visible'),
      queueMetric('ApproximateNumberOfMessagesNotVisible', q.ocr, 'OCR in flight'),
      queueMetric('ApproximateNumberOfMessagesVisible', q.audit, 'audit visible'),
    ]),
    widget('Oldest message age (s)', [
      queueMetric('ApproximateAgeOfOldestMessage', q.ocr, 'OCR'),
      queueMetric('ApproximateAgeOfOldestMessage', q.audit, 'audit'),
    ]),
    widget('Dead-letter queues', [
      queueMetric('ApproximateNumberOfMessagesVisible', q.ocrDeadLetter, 'OCR DLQ'),
      queueMetric('ApproximateNumberOfMessagesVisible', q.auditDeadLetter, 'audit DLQ'),
    ]),
    widget('Worker tasks', [
      metric(
        'ECS/ContainerInsights',
        'RunningTaskCount',
        { ClusterName: args.clusterName, ServiceName: args.workerServiceName },
        { label: 'running', stat: 'Maximum' },
      ),
      metric(
        'ECS/ContainerInsights',
        'DesiredTaskCount',
        { ClusterName: args.clusterName, ServiceName: args.workerServiceName },
        { label: 'desired', stat: 'Maximum' },
      ),
    ]),
    widget('OCR duration and queue wait (ms)', [
      ...search(ns, 'OcrDurationMs', 'Average', 'OCR duration'),
      ...search(ns, 'QueueWaitMs', 'Average', 'queue wait'),
    ]),
    widget('Pages processed and items failed', [
      ...search(ns, 'PagesProcessed', 'Sum', 'pages'),
      ...search(ns, 'ItemsFailed', 'Sum', 'failed items'),
      metric(ns, 'WorkerErrorLogLines', {}, { label: 'worker error log lines', stat: 'Sum' }),
    ]),
    widget('API requests and 5xx', [
      metric('AWS/ApplicationELB', 'RequestCount', alb, { label: 'requests', stat: 'Sum' }),
      metric('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', alb, { label: 'API 5xx', stat: 'Sum' }),
      metric('AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', alb, { label: 'ALB 5xx', stat: 'Sum' }),
    ]),
    widget('API latency (s)', [
      metric('AWS/ApplicationELB', 'TargetResponseTime', alb, { label: 'p50', stat: 'p50' }),
      metric('AWS/ApplicationELB', 'TargetResponseTime', alb, { label: 'p99', stat: 'p99' }),
    ]),
    widget('Database CPU (%) and connections', [
      metric('AWS/RDS', 'CPUUtilization', db, { label: 'CPU', stat: 'Average' }),
      metric('AWS/RDS', 'DatabaseConnections', db, { label: 'connections', stat: 'Maximum', yAxis: 'right' }),
    ]),
    widget('Audit table throttles', [
      metric('AWS/DynamoDB', 'WriteThrottleEvents', table, { label: 'write throttles', stat: 'Sum' }),
      metric('AWS/DynamoDB', 'ReadThrottleEvents', table, { label: 'read throttles', stat: 'Sum' }),
      metric(
        'AWS/DynamoDB',
        'ReadThrottleEvents',
        { ...table, GlobalSecondaryIndexName: args.auditTenantIndexName },
        { label: 'tenant index read throttles', stat: 'Sum' },
      ),
    ]),
  ];
  return pulumi.jsonStringify({ widgets });
}
