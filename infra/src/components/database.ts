import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface DatabaseArgs {
  prefix: string;
  subnetIds: pulumi.Input<string[]>;
  securityGroupId: pulumi.Input<string>;
  instanceClass: string;
  engineVersion: string;
  allocatedStorageGb: number;
  maxAllocatedStorageGb: number;
  backupRetentionDays: number;
  multiAz: boolean;
  deletionProtection: boolean;
  skipFinalSnapshot: boolean;
}

const DATABASE_NAME = 'ocrjobs';
const MASTER_USER = 'ocrjobs';

/**
 * RDS MySQL 8: private, encrypted, backed up. AWS generates and rotates the master password in
 * Secrets Manager; tasks receive it as an ECS secret and never see it in their environment definition.
 */
export class Database extends pulumi.ComponentResource {
  readonly instance: aws.rds.Instance;
  /** mysql://user@host:port/db, without the password (DATABASE_PASSWORD carries it). */
  readonly url: pulumi.Output<string>;
  /** The RDS-managed secret holding `{"username","password"}`. */
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:database:Database', name, {}, opts);
    const parent = { parent: this };
    const subnets = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.subnetIds, description: `${args.prefix} database subnets` },
      parent,
    );
    this.instance = new aws.rds.Instance(
      `${name}-mysql`,
      {
        identifier: `${args.prefix}-mysql`,
        engine: 'mysql',
        engineVersion: args.engineVersion,
        instanceClass: args.instanceClass,
        allocatedStorage: args.allocatedStorageGb,
        maxAllocatedStorage: args.maxAllocatedStorageGb,
        storageType: 'gp3',
        storageEncrypted: true,
        dbName: DATABASE_NAME,
        username: MASTER_USER,
        manageMasterUserPassword: true,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [args.securityGroupId],
        publiclyAccessible: false,
        multiAz: args.multiAz,
        backupRetentionPeriod: args.backupRetentionDays,
        backupWindow: '03:00-04:00',
        maintenanceWindow: 'sun:04:30-sun:05:30',
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        deletionProtection: args.deletionProtection,
        skipFinalSnapshot: args.skipFinalSnapshot,
        finalSnapshotIdentifier: args.skipFinalSnapshot ? undefined : `${args.prefix}-mysql-final`,
        enabledCloudwatchLogsExports: ['error'],
        tags: { Name: `${args.prefix}-mysql` },
      },
      parent,
    );
    this.url = pulumi.interpolate`mysql://${MASTER_USER}@${this.instance.address}:${this.instance.port}/${DATABASE_NAME}`;
    this.secretArn = this.instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets?.[0]?.secretArn;
      if (!arn) throw new Error('RDS did not report its managed master user secret');
      return arn;
    });
    this.registerOutputs({ url: this.url });
  }
}
