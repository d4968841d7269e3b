import { describe, expect, it } from '@jest/globals';
import { defaultOutboxRelayTuning, enqueueOcrMessages, Job, OutboxMessage, OutboxRelay } from '@ocr-jobs/db';
import { createAwsClients } from '@ocr-jobs/runtime';
import { freePort } from '@ocr-jobs/local-stack';
import { testDialects } from '@ocr-jobs/testing';
import { Op } from 'sequelize';
import { collectMessages, drainQueue, eventually, harnessForSuite } from './support/harness';
import { png } from './support/fixtures';

describe.each(testDialects())('outbox and dependency outages on %s', (dialect) => {
  const h = harnessForSuite(dialect);

  const { asA } = h;
  const createJob = (name: string, files = 3) => {
    let req = asA().post('/api/jobs').field('name', name);
    for (let i = 0; i < files; i++)
      req = req.attach('images', png(10, 10, 100 + i), { filename: `${i}.png` });
    return req;
  };
  const queueUrls = () => ({
    ocr: h.stack.resources.queueUrls.ocr,
    audit: h.stack.resources.queueUrls.audit,
    webhook: h.stack.resources.queueUrls.webhook,
  });

  it('delivers every message of an accepted job once SQS is reachable again', async () => {
    await h.relay.stop();
    await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 0);
    // The relay of this process cannot reach SQS: a client aimed at a port nobody listens on.
    const unreachable = createAwsClients({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      endpoints: { sqs: `http://127.0.0.1:${await freePort()}` },
    });
    const downRelay = new OutboxRelay({
      db: h.database.db,
      sqs: unreachable.sqs,
      queueUrls: queueUrls(),
      logger: h.logger,
      ...defaultOutboxRelayTuning(),
      intervalMs: 100,
      backoff: { baseMs: 100, maxMs: 300 },
    });
    downRelay.start();

    const res = await createJob('while SQS is down');
    expect(res.status).toBe(201);
    const itemIds = res.body.items.map((i: { id: string }) => i.id).sort();
    await eventually(async () =>
      (await OutboxMessage.count({ where: { destination: 'ocr', attempts: { [Op.gte]: 1 } } })) === 3
        ? true
        : undefined,
    );
    const failed = await OutboxMessage.findAll({ where: { destination: 'ocr' } });
    expect(failed.every((row) => row.last_error !== null)).toBe(true);
    expect(await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 1)).toHaveLength(0);
    await downRelay.stop();
    unreachable.destroy();

    // SQS is back (a relay that reaches it): each item arrives, once.
    h.relay.start();
    const messages = await collectMessages(h.stack, h.stack.resources.queueUrls.ocr, 3);
    expect(messages.map((m) => JSON.parse(m.Body as string).item_id).sort()).toEqual(itemIds);
    expect(await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 1)).toHaveLength(0);
    expect(await OutboxMessage.count({ where: { destination: 'ocr' } })).toBe(0);
  });

  it('sends each row once when two relays run at the same time', async () => {
    await h.relay.stop();
    await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 0);
    const jobId = '11111111-1111-4111-8111-111111111111';
    await h.database.db.transaction((transaction) =>
      enqueueOcrMessages(
        transaction,
        Array.from({ length: 40 }, (_, i) => ({
          job_id: jobId,
          item_id: `11111111-1111-4111-8111-${String(i).padStart(12, '0')}`,
          s3_bucket: h.stack.names.bucket,
          s3_key: `jobs/${jobId}/${i}.png`,
          created_at: new Date().toISOString(),
        })),
      ),
    );
    const statements: string[] = [];
    h.database.db.addHook('afterQuery', 'capture-sql', (_options, query) => {
      // AbstractQuery keeps the statement it ran in `sql` (not in its type).
      const sql = (query as unknown as { sql?: string }).sql;
      if (sql) statements.push(sql);
    });
    const relay = () =>
      new OutboxRelay({
        db: h.database.db,
        sqs: h.stack.clients.sqs,
        queueUrls: queueUrls(),
        logger: h.logger,
        ...defaultOutboxRelayTuning(),
        batchSize: 20,
      });
    const [one, two] = await Promise.all([relay().relayOnce(), relay().relayOnce()]);
    h.database.db.removeHook('afterQuery', 'capture-sql');
    const rest = await relay().relayOnce();

    expect(one + two + rest).toBe(40);
    const messages = await collectMessages(h.stack, h.stack.resources.queueUrls.ocr, 40);
    const ids = messages.map((m) => JSON.parse(m.Body as string).item_id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    if (dialect === 'mysql') {
      // Sequelize's MySQL dialect drops `skipLocked`: the claim must really carry it.
      expect(statements.some((sql) => /FOR UPDATE SKIP LOCKED/.test(sql))).toBe(true);
    }
    h.relay.start();
  });

  describe('when a dependency is down', () => {
    let job: { id: string; items: Array<{ id: string }> };
    beforeAll(async () => {
      job = (await createJob('before the outage', 1)).body;
    });

    it('answers 503 DYNAMODB_UNAVAILABLE for the audit trail while DynamoDB is down', async () => {
      await h.stack.dynalite.stop();
      const res = await asA().get(`/api/jobs/${job.id}/events`);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('DYNAMODB_UNAVAILABLE');
    });

    it('answers 503 S3_UNAVAILABLE while S3 is down, and keeps no job', async () => {
      await h.stack.fauxqs.stop();
      const jobs = await Job.count();
      const res = await createJob('during the outage', 2);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('S3_UNAVAILABLE');
      expect(await Job.count()).toBe(jobs);

      const del = await asA().delete(`/api/jobs/${job.id}`);
      expect(del.status).toBe(503);
      expect(del.body.error.code).toBe('S3_UNAVAILABLE');
      expect((await asA().get(`/api/jobs/${job.id}`)).status).toBe(200);

      const ticket = await asA()
        .post('/api/jobs')
        .send({ name: 'x', uploads: [`uploads/${'0'.repeat(32)}/x`] });
      expect(ticket.status).toBe(404);
    });

    it('reports not ready on /readyz and still alive on /healthz', async () => {
      const ready = await h.api().get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.s3.ok).toBe(false);
      expect(ready.body.checks.sqs.ok).toBe(false);
      expect(ready.body.checks.database.ok).toBe(true);
      expect((await h.api().get('/healthz')).status).toBe(200);
    });
  });
});
