/**
 * The runner function's logic, against a scripted ECS API: Fargate cannot run on this machine, so the
 * ECS answers (task started, running, stopped with an exit code) are played back in order.
 */
const { runMigrationTask } = require('../../lambda/run-migration-task.js') as {
  runMigrationTask(
    ecs: { send(command: unknown): Promise<unknown> },
    commands: { RunTaskCommand: unknown; DescribeTasksCommand: unknown },
    input: Record<string, unknown>,
    options: {
      deadline: number;
      pollMs?: number;
      accessDeniedWaitMs?: number;
      sleep?: (ms: number) => Promise<void>;
      now?: () => number;
    },
  ): Promise<{ taskArn: string; exitCode: number }>;
};

class RunTaskCommand {
  constructor(readonly input: Record<string, unknown>) {}
}
class DescribeTasksCommand {
  constructor(readonly input: Record<string, unknown>) {}
}
const commands = { RunTaskCommand, DescribeTasksCommand };

const INPUT = {
  cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/ocr',
  taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/ocr-migrate:7',
  containerName: 'migrate',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-api'],
  assignPublicIp: false,
};
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/ocr/abc';

/** An ECS client answering each call with the next scripted response, recording the commands. */
function scriptedEcs(responses: unknown[]) {
  const sent: Array<RunTaskCommand | DescribeTasksCommand> = [];
  return {
    sent,
    async send(command: RunTaskCommand | DescribeTasksCommand) {
      sent.push(command);
      if (responses.length === 0) throw new Error('unexpected call');
      const next = responses.shift();
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

/** What the ECS API throws while a role created moments ago has not propagated. */
function accessDenied(action = 'ecs:RunTask') {
  return Object.assign(
    new Error(`User: arn:aws:sts::123456789012:assumed-role/runner is not authorized to perform: ${action}`),
    { name: 'AccessDeniedException' },
  );
}
const started = { tasks: [{ taskArn: TASK, lastStatus: 'PROVISIONING' }], failures: [] };
const stopped = (exitCode: number | undefined, extra: Record<string, unknown> = {}) => ({
  tasks: [{ taskArn: TASK, lastStatus: 'STOPPED', containers: [{ name: 'migrate', exitCode }], ...extra }],
});
const instant = { deadline: Number.MAX_SAFE_INTEGER, sleep: async () => undefined };

describe('the migration runner', () => {
  it('starts the task on Fargate in the given network and returns once it exited 0', async () => {
    const ecs = scriptedEcs([started, { tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] }, stopped(0)]);
    await expect(runMigrationTask(ecs, commands, INPUT, instant)).resolves.toEqual({
      taskArn: TASK,
      exitCode: 0,
    });
    expect(ecs.sent[0]).toBeInstanceOf(RunTaskCommand);
    expect(ecs.sent[0]!.input).toMatchObject({
      cluster: INPUT.cluster,
      taskDefinition: INPUT.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-api'],
          assignPublicIp: 'DISABLED',
        },
      },
    });
    expect(ecs.sent.slice(1).map((c) => c.input)).toEqual([
      { cluster: INPUT.cluster, tasks: [TASK] },
      { cluster: INPUT.cluster, tasks: [TASK] },
    ]);
  });

  it('fails the deploy when the migration exits non-zero, with the reason', async () => {
    const ecs = scriptedEcs([started, stopped(1, { stoppedReason: 'Essential container in task exited' })]);
    await expect(runMigrationTask(ecs, commands, INPUT, instant)).rejects.toThrow(
      /migration task .*abc failed \(exit code 1: Essential container in task exited\)/,
    );
  });

  it('fails when the container never ran (e.g. the image could not be pulled)', async () => {
    const ecs = scriptedEcs([started, stopped(undefined, { stoppedReason: 'CannotPullContainerError' })]);
    await expect(runMigrationTask(ecs, commands, INPUT, instant)).rejects.toThrow(
      /exit code none: CannotPullContainerError/,
    );
  });

  it('fails when ECS refuses to start the task', async () => {
    const ecs = scriptedEcs([{ tasks: [], failures: [{ arn: INPUT.taskDefinition, reason: 'MISSING' }] }]);
    await expect(runMigrationTask(ecs, commands, INPUT, instant)).rejects.toThrow(/did not start: .*MISSING/);
  });

  it('retries RunTask while IAM is still propagating the new role (AccessDenied), then runs', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const ecs = scriptedEcs([accessDenied(), accessDenied('iam:PassRole'), started, stopped(0)]);
    await expect(runMigrationTask(ecs, commands, INPUT, instant)).resolves.toMatchObject({ exitCode: 0 });
    expect(ecs.sent.filter((c) => c instanceof RunTaskCommand)).toHaveLength(3);
  });

  it('does not retry other RunTask errors, and stops retrying AccessDenied before the deadline', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const invalid = Object.assign(new Error('Task definition does not exist'), { name: 'ClientException' });
    await expect(runMigrationTask(scriptedEcs([invalid]), commands, INPUT, instant)).rejects.toThrow(
      /does not exist/,
    );
    let clock = 0;
    const denied = scriptedEcs([accessDenied(), accessDenied(), accessDenied(), accessDenied()]);
    const options = {
      deadline: 25_000,
      accessDeniedWaitMs: 10_000,
      now: () => clock,
      sleep: async (ms: number) => void (clock += ms),
    };
    await expect(runMigrationTask(denied, commands, INPUT, options)).rejects.toThrow(/not authorized/);
    expect(denied.sent).toHaveLength(3);
  });

  it('gives up before Lambda would time out', async () => {
    let clock = 0;
    const running = { tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] };
    const ecs = scriptedEcs([started, running, running, running, running]);
    const options = {
      deadline: 12_000,
      pollMs: 5_000,
      now: () => clock,
      sleep: async (ms: number) => void (clock += ms),
    };
    await expect(runMigrationTask(ecs, commands, INPUT, options)).rejects.toThrow(/did not finish in time/);
  });
});
