import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { AwsClients } from '@ocr-jobs/runtime';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { waitFor } from '@ocr-jobs/testing';
import {
  allRecords,
  auditEvent,
  capturingLogger,
  clientsFor,
  logged,
  messagesIn,
  sendBodies,
  startAuditLogger,
} from './support';

describe('graceful shutdown', () => {
  let stack: TestStack;

  beforeEach(async () => {
    stack = await startTestStack();
  });
  afterEach(() => stack.stop());

  it('finishes the batch in flight, writes and deletes it, then stops', async () => {
    // Prepare: BatchWriteItem held for a moment, so that stop() comes while a batch is in flight.
    const clients: AwsClients = clientsFor(stack);
    let writeStarted = false;
    clients.dynamodb.middlewareStack.add(
      (next) => async (args) => {
        writeStarted = true;
        await new Promise((r) => setTimeout(r, 1_000));
        return next(args);
      },
      { step: 'initialize', name: 'slowWrites' },
    );
    const { logger, entries } = capturingLogger();
    const consumer = startAuditLogger(stack, logger, { clients });
    const events = [auditEvent(), auditEvent(), auditEvent()];
    await sendBodies(
      stack.clients.sqs,
      stack.resources.queueUrls.audit,
      events.map((e) => JSON.stringify(e)),
    );
    await waitFor('a batch in flight', () => writeStarted);

    // Act
    const clean = await consumer.stop(10_000);

    // Assess
    expect(clean).toBe(true);
    expect((await allRecords(stack)).map((r) => r.event_id).sort()).toEqual(
      events.map((e) => e.event_id).sort(),
    );
    expect(await messagesIn(stack.clients.sqs, stack.resources.queueUrls.audit)).toBe(0);
    expect(logged(entries, 'audit consumer stopped')).toHaveLength(1);
    clients.destroy();
  });

  it('stops while a long poll waits for messages, and receives nothing more', async () => {
    const { logger, entries } = capturingLogger();
    const consumer = startAuditLogger(stack, logger, { waitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 300));

    expect(await consumer.stop(10_000)).toBe(true);
    await sendBodies(stack.clients.sqs, stack.resources.queueUrls.audit, [JSON.stringify(auditEvent())]);
    await new Promise((r) => setTimeout(r, 500));

    expect(await allRecords(stack)).toEqual([]);
    expect(logged(entries, 'audit queue error')).toEqual([]);
  });

  it('the process exits 0 on SIGTERM after writing what it received', async () => {
    // Prepare: the service built as it runs in its image.
    const serviceRoot = path.resolve(__dirname, '..');
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: serviceRoot,
    });
    const events = [auditEvent(), auditEvent()];
    await sendBodies(
      stack.clients.sqs,
      stack.resources.queueUrls.audit,
      events.map((e) => JSON.stringify(e)),
    );
    const child = spawn(process.execPath, [path.join(serviceRoot, 'dist/main.js')], {
      env: { ...process.env, ...stack.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Record<string, unknown>[] = [];
    readline.createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // Act
    await waitFor('both events written', () => logged(lines, 'audit event written').length === 2);
    child.kill('SIGTERM');

    // Assess
    expect(await exited).toBe(0);
    expect(lines.at(-1)).toMatchObject({ message: 'stopped', signal: 'SIGTERM', service: 'audit-logger' });
    expect((await allRecords(stack)).map((r) => r.event_id).sort()).toEqual(
      events.map((e) => e.event_id).sort(),
    );
    expect(await messagesIn(stack.clients.sqs, stack.resources.queueUrls.audit)).toBe(0);
  });
});
