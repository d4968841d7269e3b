import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceDefinition } from '@ocr-jobs/contracts';

export interface StorageArgs {
  /** Globally unique: the stack's prefix plus the account id (two accounts may deploy the same stack). */
  bucketName: pulumi.Input<string>;
  /** Origins allowed to PUT presigned uploads and GET presigned downloads from a browser. */
  corsOrigins: string[];
  forceDestroy: boolean;
}

/**
 * The files bucket: private (all four public-access blocks, owner-enforced objects), encrypted,
 * reachable only over TLS, and emptied of job files and results after the retention.
 */
export class Storage extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:storage:Storage', name, {}, opts);
    const parent = { parent: this };
    const def = resourceDefinition.bucket;
    this.bucket = new aws.s3.Bucket(
      `${name}-files`,
      { bucket: args.bucketName, forceDestroy: args.forceDestroy },
      parent,
    );
    const bucket = this.bucket.id;
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-files`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-files`,
      { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-files`,
      {
        bucket,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-files`,
      {
        bucket,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      },
      // S3 refuses a policy while the public-access block is still being applied.
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-files`,
      {
        bucket,
        rules: [
          ...[def.jobsPrefix, def.resultsPrefix].map((prefix) => ({
            id: `expire-${prefix.replace(/\/$/, '')}`,
            status: 'Enabled',
            filter: { prefix },
            expiration: { days: def.retentionDays },
          })),
          {
            // Presigned uploads that never became a job.
            id: `expire-${def.uploadsPrefix.replace(/\/$/, '')}`,
            status: 'Enabled',
            filter: { prefix: def.uploadsPrefix },
            expiration: { days: def.uploadRetentionDays },
          },
          {
            id: 'abort-incomplete-uploads',
            status: 'Enabled',
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      parent,
    );
    if (args.corsOrigins.length > 0) {
      new aws.s3.BucketCorsConfiguration(
        `${name}-files`,
        {
          bucket,
          corsRules: [
            {
              allowedOrigins: args.corsOrigins,
              allowedMethods: ['PUT', 'GET'],
              allowedHeaders: ['*'],
              exposeHeaders: ['ETag'],
              maxAgeSeconds: 3000,
            },
          ],
        },
        parent,
      );
    }
    this.registerOutputs({ bucket: this.bucket.id });
  }
}
