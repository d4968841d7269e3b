import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { subnetCidr } from '../cidr';

export interface NetworkArgs {
  prefix: string;
  region: string;
  /** Use the account's default VPC (public subnets only, as the seeds do) instead of creating one. */
  useDefaultVpc: boolean;
  vpcCidr: string;
  availabilityZones: number;
  /** One NAT gateway per AZ (resilient) instead of one for the whole VPC (cheaper). */
  natGatewayPerAz: boolean;
}

/**
 * Where everything runs: a VPC with public subnets (load balancer, NAT) and private subnets (tasks,
 * database), or the account's default VPC for accounts that cannot create one.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /**
   * Tasks get a public IP only in the default VPC, where there is no NAT gateway and they would
   * otherwise not reach ECR, Secrets Manager, SQS or DynamoDB. Their security groups admit no one.
   */
  readonly assignPublicIp: boolean;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:network:Network', name, {}, opts);
    const parent = { parent: this };

    if (args.useDefaultVpc) {
      const vpc = aws.ec2.getVpcOutput({ default: true }, parent);
      const subnets = aws.ec2.getSubnetsOutput(
        {
          filters: [
            { name: 'vpc-id', values: [vpc.id] },
            { name: 'default-for-az', values: ['true'] },
          ],
        },
        parent,
      );
      this.vpcId = vpc.id;
      this.vpcCidr = vpc.cidrBlock;
      this.publicSubnetIds = subnets.ids;
      this.privateSubnetIds = subnets.ids;
      this.assignPublicIp = true;
      this.registerOutputs({});
      return;
    }

    const zones = aws.getAvailabilityZonesOutput({ state: 'available' }, parent).names;
    const newPrefix = Number(args.vpcCidr.split('/')[1]) + 4;
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: `${args.prefix}-vpc` },
      },
      parent,
    );
    const internetGateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: `${args.prefix}-igw` } },
      parent,
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: internetGateway.id }],
        tags: { Name: `${args.prefix}-public` },
      },
      parent,
    );

    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateSubnets: aws.ec2.Subnet[] = [];
    const natGateways: aws.ec2.NatGateway[] = [];
    const privateRouteTableIds: pulumi.Output<string>[] = [];
    for (let i = 0; i < args.availabilityZones; i++) {
      const availabilityZone = zones.apply((z) => {
        const zone = z[i];
        if (!zone) throw new Error(`the region has fewer than ${args.availabilityZones} availability zones`);
        return zone;
      });
      const publicSubnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          availabilityZone,
          cidrBlock: subnetCidr(args.vpcCidr, newPrefix, i),
          // Nothing launched here needs a public IP of its own: the ALB and the NAT gateway bring theirs.
          mapPublicIpOnLaunch: false,
          tags: { Name: `${args.prefix}-public-${i}` },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: publicSubnet.id, routeTableId: publicRoutes.id },
        parent,
      );
      publicSubnets.push(publicSubnet);

      if (i === 0 || args.natGatewayPerAz) {
        const ip = new aws.ec2.Eip(
          `${name}-nat-${i}`,
          { domain: 'vpc', tags: { Name: `${args.prefix}-nat-${i}` } },
          parent,
        );
        natGateways.push(
          new aws.ec2.NatGateway(
            `${name}-nat-${i}`,
            { subnetId: publicSubnet.id, allocationId: ip.id, tags: { Name: `${args.prefix}-nat-${i}` } },
            { parent: this, dependsOn: [internetGateway] },
          ),
        );
      }
      const nat = natGateways[args.natGatewayPerAz ? i : 0]!;
      const privateRoutes = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
          tags: { Name: `${args.prefix}-private-${i}` },
        },
        parent,
      );
      const privateSubnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          availabilityZone,
          cidrBlock: subnetCidr(args.vpcCidr, newPrefix, 8 + i),
          mapPublicIpOnLaunch: false,
          tags: { Name: `${args.prefix}-private-${i}` },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: privateSubnet.id, routeTableId: privateRoutes.id },
        parent,
      );
      privateSubnets.push(privateSubnet);
      privateRouteTableIds.push(privateRoutes.id);
    }

    // Gateway endpoints are free and keep S3 and DynamoDB traffic off the NAT gateway (billed per GB).
    for (const service of ['s3', 'dynamodb']) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId: vpc.id,
          vpcEndpointType: 'Gateway',
          serviceName: `com.amazonaws.${args.region}.${service}`,
          routeTableIds: privateRouteTableIds,
          tags: { Name: `${args.prefix}-${service}` },
        },
        parent,
      );
    }

    this.vpcId = vpc.id;
    this.vpcCidr = vpc.cidrBlock;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.assignPublicIp = false;
    this.registerOutputs({ vpcId: this.vpcId });
  }
}
