import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface SecurityGroupsArgs {
  prefix: string;
  vpcId: pulumi.Input<string>;
  apiPort: number;
}

/**
 * Who may talk to whom. The world reaches only the load balancer (80/443); the load balancer only the
 * API's port; the database only the API (and the migration task, which runs in the API's group) and
 * the worker. Rules are separate resources so groups can reference each other without a cycle.
 */
export class SecurityGroups extends pulumi.ComponentResource {
  readonly alb: aws.ec2.SecurityGroup;
  readonly api: aws.ec2.SecurityGroup;
  readonly worker: aws.ec2.SecurityGroup;
  readonly auditLogger: aws.ec2.SecurityGroup;
  readonly database: aws.ec2.SecurityGroup;

  constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:network:SecurityGroups', name, {}, opts);
    const parent = { parent: this };
    const group = (role: string, description: string) =>
      new aws.ec2.SecurityGroup(
        `${name}-${role}`,
        { vpcId: args.vpcId, description, tags: { Name: `${args.prefix}-${role}` } },
        parent,
      );
    this.alb = group('alb', 'ocr-jobs load balancer: HTTP and HTTPS from anywhere');
    this.api = group('api', 'ocr-jobs jobs-api tasks and the migration task');
    this.worker = group('worker', 'ocr-jobs ocr-worker tasks');
    this.auditLogger = group('audit-logger', 'ocr-jobs audit-logger tasks');
    this.database = group('db', 'ocr-jobs MySQL: only from the services');

    for (const port of [80, 443]) {
      for (const [family, cidr] of [
        ['v4', { cidrIpv4: '0.0.0.0/0' }],
        ['v6', { cidrIpv6: '::/0' }],
      ] as const) {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-alb-in-${port}-${family}`,
          { securityGroupId: this.alb.id, ipProtocol: 'tcp', fromPort: port, toPort: port, ...cidr },
          parent,
        );
      }
    }
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-alb-out-api`,
      {
        securityGroupId: this.alb.id,
        ipProtocol: 'tcp',
        fromPort: args.apiPort,
        toPort: args.apiPort,
        referencedSecurityGroupId: this.api.id,
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-api-in-alb`,
      {
        securityGroupId: this.api.id,
        ipProtocol: 'tcp',
        fromPort: args.apiPort,
        toPort: args.apiPort,
        referencedSecurityGroupId: this.alb.id,
      },
      parent,
    );
    for (const [role, source] of [
      ['api', this.api],
      ['worker', this.worker],
    ] as const) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-db-in-${role}`,
        {
          securityGroupId: this.database.id,
          ipProtocol: 'tcp',
          fromPort: 3306,
          toPort: 3306,
          referencedSecurityGroupId: source.id,
        },
        parent,
      );
    }
    // Tasks call AWS APIs (ECR, Secrets Manager, SQS, S3, DynamoDB, CloudWatch Logs) and the database.
    for (const [role, sg] of [
      ['api', this.api],
      ['worker', this.worker],
      ['audit-logger', this.auditLogger],
    ] as const) {
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-${role}-out`,
        { securityGroupId: sg.id, ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' },
        parent,
      );
    }
    this.registerOutputs({});
  }
}
