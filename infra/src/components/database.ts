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
/** The services' user: data rights only, created by the migration task (packages/db src/app-user.ts). */
export const APP_USER = 'ocrjobs_app';

/**
 * A password generated once, at creation, into a Secrets Manager secret (`{"username","password"}`
 * or the bare value): later deploys keep it (ignoreChanges), rotation replaces the secret's value.
 */
export function generatedSecret(
  name: string,
  args: { secretName: string; description: string; username?: string; prefix?: string },
  opts: pulumi.CustomResourceOptions,
): aws.secretsmanager.Secret {
  const secret = new aws.secretsmanager.Secret(
    name,
    { name: args.secretName, description: args.description, recoveryWindowInDays: 7 },
    opts,
  );
  const random = aws.secretsmanager.getRandomPasswordOutput(
    { passwordLength: 40, excludePunctuation: true },
    { parent: opts.parent },
  ).randomPassword;
  new aws.secretsmanager.SecretVersion(
    name,
    {
      secretId: secret.id,
      secretString: args.username
        ? pulumi.jsonStringify({ username: args.username, password: random })
        : pulumi.interpolate`${args.prefix ?? ''}${random}`,
    },
    // The generator returns a new value on every run: only the first one is stored.
    { ...opts, ignoreChanges: ['secretString'] },
  );
  return secret;
}

/** The parameter group family of an engine version: 8.4.x → mysql8.4. */
export function parameterFamily(engineVersion: string): string {
  return `mysql${engineVersion.split('.').slice(0, 2).join('.')}`;
}

/**
 * RDS MySQL 8.4 LTS: private, encrypted, backed up, TLS only (require_secure_transport), never
 * billed for Extended Support. AWS generates and rotates the master (admin) password in Secrets
 * Manager; only the migration task uses it. The services log in as {@link APP_USER}, whose password
 * lives in a secret of ours that they read when they connect.
 */
export class Database extends pulumi.ComponentResource {
  readonly instance: aws.rds.Instance;
  /** mysql://admin@host:port/db, without the password (the migration task's DATABASE_PASSWORD). */
  readonly url: pulumi.Output<string>;
  /** mysql://app@host:port/db, without the password (the services read DATABASE_SECRET_ARN). */
  readonly appUrl: pulumi.Output<string>;
  /** The RDS-managed secret holding the admin's `{"username","password"}`. */
  readonly secretArn: pulumi.Output<string>;
  /** The services' secret, `{"username","password"}` of {@link APP_USER}. */
  readonly appSecretArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:database:Database', name, {}, opts);
    const parent = { parent: this };
    const parameters = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        name: `${args.prefix}-mysql`,
        family: parameterFamily(args.engineVersion),
        description: `${args.prefix} MySQL: TLS only`,
        parameters: [{ name: 'require_secure_transport', value: '1' }],
      },
      parent,
    );
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
        // After standard support ends AWS would bill Extended Support; disabled, it upgrades instead.
        engineLifecycleSupport: 'open-source-rds-extended-support-disabled',
        parameterGroupName: parameters.name,
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
    this.appUrl = pulumi.interpolate`mysql://${APP_USER}@${this.instance.address}:${this.instance.port}/${DATABASE_NAME}`;
    this.appSecretArn = generatedSecret(
      `${name}-app-user`,
      {
        secretName: `${args.prefix}/db-app-user`,
        description: 'ocr-jobs services database user',
        username: APP_USER,
      },
      parent,
    ).arn;
    this.secretArn = this.instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets?.[0]?.secretArn;
      if (!arn) throw new Error('RDS did not report its managed master user secret');
      return arn;
    });
    this.registerOutputs({ url: this.url, appUrl: this.appUrl });
  }
}
