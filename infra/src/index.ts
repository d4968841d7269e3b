/**
 * The Pulumi program (Pulumi.yaml at the repository root: `main: infra/`, which runs dist/index.js).
 * Config is read and validated once, here; every export below is a stack output.
 */
import { loadInfraConfig } from './config';
import { OcrJobs } from './ocr-jobs';

const deployment = new OcrJobs('ocr-jobs', loadInfraConfig());

export const apiUrl = deployment.outputs.apiUrl;
export const docsUrl = deployment.outputs.docsUrl;
export const bucketName = deployment.outputs.bucketName;
export const ocrQueueUrl = deployment.outputs.ocrQueueUrl;
export const ocrDeadLetterQueueUrl = deployment.outputs.ocrDeadLetterQueueUrl;
export const auditQueueUrl = deployment.outputs.auditQueueUrl;
export const auditDeadLetterQueueUrl = deployment.outputs.auditDeadLetterQueueUrl;
export const webhookQueueUrl = deployment.outputs.webhookQueueUrl;
export const webhookDeadLetterQueueUrl = deployment.outputs.webhookDeadLetterQueueUrl;
export const auditTableName = deployment.outputs.auditTableName;
export const dashboardUrl = deployment.outputs.dashboardUrl;
export const alarmTopicArn = deployment.outputs.alarmTopicArn;
export const clusterName = deployment.outputs.clusterName;
export const databaseEndpoint = deployment.outputs.databaseEndpoint;
export const databaseSecretArn = deployment.outputs.databaseSecretArn;
export const privateSubnetIds = deployment.outputs.privateSubnetIds;
export const assignPublicIp = deployment.outputs.assignPublicIp;
export const securityGroupIds = deployment.outputs.securityGroupIds;
export const taskDefinitionFamilies = deployment.outputs.taskDefinitionFamilies;
export const logGroupNames = deployment.outputs.logGroupNames;
export const ecrRepositoryUrls = deployment.outputs.ecrRepositoryUrls;
export const migrationFunctionName = deployment.outputs.migrationFunctionName;
export const bootstrapApiKeySecretArn = deployment.outputs.bootstrapApiKeySecretArn;
