import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceDefinition } from '@ocr-jobs/contracts';

export interface AuditTableArgs {
  tableName: string;
  deletionProtection: boolean;
}

/**
 * The audit log: on demand (no idle cost), point-in-time recovery, records expire through the TTL
 * attribute the audit-logger sets, and the tenant index serves "all events of a tenant in a time range".
 */
export class AuditTable extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;

  constructor(name: string, args: AuditTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:audit:AuditTable', name, {}, opts);
    const t = resourceDefinition.auditTable;
    this.table = new aws.dynamodb.Table(
      name,
      {
        name: args.tableName,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: t.partitionKey,
        rangeKey: t.sortKey,
        attributes: [t.partitionKey, t.sortKey, t.tenantIndex.partitionKey, t.tenantIndex.sortKey].map(
          (attribute) => ({ name: attribute, type: 'S' }),
        ),
        globalSecondaryIndexes: [
          {
            name: t.tenantIndex.name,
            hashKey: t.tenantIndex.partitionKey,
            rangeKey: t.tenantIndex.sortKey,
            projectionType: 'ALL',
          },
        ],
        pointInTimeRecovery: { enabled: true },
        ttl: { attributeName: t.ttlAttribute, enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: args.deletionProtection,
      },
      { parent: this },
    );
    this.registerOutputs({ table: this.table.name });
  }
}
