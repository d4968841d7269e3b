import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceDefinition } from '@ocr-jobs/contracts';

export interface AlbArgs {
  prefix: string;
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string[]>;
  securityGroupId: pulumi.Input<string>;
  apiPort: number;
  /** With a certificate the ALB serves HTTPS on 443 and redirects HTTP there. */
  certificateArn?: string;
  /** Host name the certificate is for; the API URL uses it instead of the ALB's DNS name. */
  domainName?: string;
  deletionProtection: boolean;
}

/** The public entry: an application load balancer in front of jobs-api, health-checked on /healthz. */
export class Alb extends pulumi.ComponentResource {
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  /** The listener the API service must wait for before it registers targets. */
  readonly listener: aws.lb.Listener;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: AlbArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:alb:Alb', name, {}, opts);
    const parent = { parent: this };
    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: 'application',
        internal: false,
        subnets: args.subnetIds,
        securityGroups: [args.securityGroupId],
        // Requests with malformed headers are dropped rather than passed on to the API.
        dropInvalidHeaderFields: true,
        // From the shared definition: jobs-api keeps connections open longer (core http/keep-alive.ts).
        idleTimeout: resourceDefinition.loadBalancer.idleTimeoutSeconds,
        enableDeletionProtection: args.deletionProtection,
        tags: { Name: `${args.prefix}-alb` },
      },
      parent,
    );
    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-api`,
      {
        vpcId: args.vpcId,
        targetType: 'ip',
        protocol: 'HTTP',
        port: args.apiPort,
        deregistrationDelay: 30,
        healthCheck: {
          path: '/healthz',
          matcher: '200',
          interval: 15,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      },
      parent,
    );
    const forward = [{ type: 'forward', targetGroupArn: this.targetGroup.arn }];
    if (args.certificateArn) {
      this.listener = new aws.lb.Listener(
        `${name}-https`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: 'HTTPS',
          sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
          certificateArn: args.certificateArn,
          defaultActions: forward,
        },
        parent,
      );
      new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: 'HTTP',
          defaultActions: [
            { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
          ],
        },
        parent,
      );
      this.url = args.domainName
        ? pulumi.output(`https://${args.domainName}`)
        : pulumi.interpolate`https://${this.loadBalancer.dnsName}`;
    } else {
      this.listener = new aws.lb.Listener(
        `${name}-http`,
        { loadBalancerArn: this.loadBalancer.arn, port: 80, protocol: 'HTTP', defaultActions: forward },
        parent,
      );
      this.url = pulumi.interpolate`http://${this.loadBalancer.dnsName}`;
    }
    this.registerOutputs({ url: this.url });
  }
}
