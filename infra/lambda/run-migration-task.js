'use strict';
/* global setTimeout, exports */
/**
 * Runs the database migration task once and succeeds only if its container exits 0. Pulumi invokes
 * this function (aws.lambda.Invocation) whenever the migration task definition changes, that is on
 * every deploy of a new jobs-api image, and updates the ECS services only after it returned: the new
 * API version never takes traffic on an unmigrated schema, and a failed migration stops the deploy.
 *
 * Plain JavaScript on the Lambda runtime's bundled AWS SDK v3, so nothing needs to be packaged.
 */

const POLL_MS = 5000;
/**
 * A role or policy created in the same `pulumi up` can take seconds to be honoured everywhere (IAM is
 * eventually consistent): RunTask then fails with AccessDenied (ecs:RunTask or iam:PassRole). Retry it.
 */
const ACCESS_DENIED_RETRIES = 8;
const ACCESS_DENIED_WAIT_MS = 10000;

/** True for the errors IAM propagation produces; anything else fails at once. */
function isAccessDenied(error) {
  const name = (error && (error.name || error.Code || error.code)) || '';
  return /AccessDenied/i.test(name) || /not authorized to perform/i.test(String(error && error.message));
}
/** Leave this much of Lambda's time to report a clear error instead of a timeout. */
const MARGIN_MS = 15000;

/**
 * @param {{ send(command: unknown): Promise<any> }} ecs an ECSClient
 * @param {{ RunTaskCommand: any, DescribeTasksCommand: any }} commands
 * @param {{ cluster: string, taskDefinition: string, containerName: string, subnets: string[], securityGroups: string[], assignPublicIp: boolean }} input
 * @param {{ deadline: number, pollMs?: number, accessDeniedWaitMs?: number, sleep?: (ms: number) => Promise<void>, now?: () => number }} options
 */
async function runMigrationTask(ecs, commands, input, options) {
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const runTask = () =>
    ecs.send(
      new commands.RunTaskCommand({
        cluster: input.cluster,
        taskDefinition: input.taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        startedBy: 'pulumi-migrate',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: input.subnets,
            securityGroups: input.securityGroups,
            assignPublicIp: input.assignPublicIp ? 'ENABLED' : 'DISABLED',
          },
        },
      }),
    );
  let started;
  for (let attempt = 1; ; attempt++) {
    try {
      started = await runTask();
      break;
    } catch (error) {
      const waitMs = options.accessDeniedWaitMs ?? ACCESS_DENIED_WAIT_MS;
      if (!isAccessDenied(error) || attempt > ACCESS_DENIED_RETRIES || now() + waitMs > options.deadline) {
        throw error;
      }
      // eslint-disable-next-line no-console -- the Lambda log
      console.log(
        JSON.stringify({
          level: 'warn',
          message: 'RunTask denied, IAM may still be propagating; retrying',
          attempt,
          error: String(error.message),
        }),
      );
      await sleep(waitMs);
    }
  }
  const taskArn = started.tasks && started.tasks[0] && started.tasks[0].taskArn;
  if (!taskArn) {
    const reasons = (started.failures || []).map((f) => `${f.arn || ''} ${f.reason}`.trim()).join('; ');
    throw new Error(`the migration task did not start: ${reasons || 'no task returned'}`);
  }
  for (;;) {
    if (now() > options.deadline) throw new Error(`the migration task ${taskArn} did not finish in time`);
    await sleep(options.pollMs ?? POLL_MS);
    const described = await ecs.send(
      new commands.DescribeTasksCommand({ cluster: input.cluster, tasks: [taskArn] }),
    );
    const task = described.tasks && described.tasks[0];
    if (!task || task.lastStatus !== 'STOPPED') continue;
    const container = (task.containers || []).find((c) => c.name === input.containerName);
    const exitCode = container ? container.exitCode : undefined;
    if (exitCode === 0) return { taskArn, exitCode };
    const why = [task.stoppedReason, container && container.reason].filter(Boolean).join('; ');
    throw new Error(
      `the migration task ${taskArn} failed (exit code ${exitCode === undefined ? 'none' : exitCode}${why ? `: ${why}` : ''}); see its log group`,
    );
  }
}

exports.runMigrationTask = runMigrationTask;

exports.handler = async (event, context) => {
  // Loaded here so the tests can require this file without the SDK the Lambda runtime provides.
  const sdk = require('@aws-sdk/client-ecs');
  const result = await runMigrationTask(new sdk.ECSClient({}), sdk, event, {
    deadline: Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS,
  });
  // eslint-disable-next-line no-console -- the Lambda log
  console.log(JSON.stringify({ level: 'info', message: 'migrations applied', ...result }));
  return result;
};
