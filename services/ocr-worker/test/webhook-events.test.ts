import { randomUUID } from 'node:crypto';
import { Job, JobItem, OutboxMessage, WebhookDelivery, WebhookEndpoint } from '@ocr-jobs/db';
import { createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/testing';
import { finishItem } from '../src/state/job-progress';

describe.each(testDialects())('webhook events from finishing items on %s', (dialect) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('records item.finished and job.finished deliveries with the change, once', async () => {
    // Prepare: a job of two items, an endpoint for both events, one for job.finished only, a callback URL.
    const jobId = randomUUID();
    const now = new Date();
    await Job.create({
      id: jobId,
      tenant: 'tenant-w',
      name: 'hooks',
      status: 'PROCESSING',
      created_at: now,
      updated_at: now,
      sqs_retention_deadline: new Date(now.getTime() + 86_400_000),
      total_items: 2,
      callback_url: 'https://cb.example.com/done',
    });
    const itemIds = [randomUUID(), randomUUID()];
    for (const id of itemIds)
      await JobItem.create({
        id,
        job_id: jobId,
        s3_key: `jobs/${jobId}/${id}.png`,
        filename: `${id}.png`,
        content_type: 'image/png',
        bytes: 1,
        status: 'PROCESSING',
      });
    const both = await WebhookEndpoint.create({
      tenant: 'tenant-w',
      url: 'https://a.example.com',
      events: JSON.stringify(['job.finished', 'item.finished']),
      secret: 'whsec_AAAA',
    });
    await WebhookEndpoint.create({
      tenant: 'tenant-w',
      url: 'https://b.example.com',
      events: JSON.stringify(['job.finished']),
      secret: 'whsec_BBBB',
    });
    const ref = (itemId: string) => ({ jobId, itemId });

    // Act: one item fails, the other succeeds (the last one), then a repeated message.
    await finishItem(database.db, ref(itemIds[0]!), { status: 'ERROR', error: 'unreadable', durationMs: 5 });
    await finishItem(database.db, ref(itemIds[1]!), {
      status: 'DONE',
      text: 'hi',
      confidence: 88,
      pages: 1,
      durationMs: 5,
    });
    await finishItem(database.db, ref(itemIds[1]!), {
      status: 'DONE',
      text: 'hi',
      confidence: 88,
      pages: 1,
      durationMs: 5,
    });

    // Assess
    const deliveries = await WebhookDelivery.findAll({ where: { tenant: 'tenant-w' } });
    const summary = deliveries.map((d) => [d.event_type, d.url]).sort();
    expect(summary).toEqual([
      ['item.finished', 'https://a.example.com'],
      ['item.finished', 'https://a.example.com'],
      ['job.finished', 'https://a.example.com'],
      ['job.finished', 'https://b.example.com'],
      ['job.finished', 'https://cb.example.com/done'],
    ]);
    const jobFinished = JSON.parse(deliveries.find((d) => d.event_type === 'job.finished')!.payload);
    expect((await Job.findByPk(jobId))!.status).toBe('DONE');
    expect(jobFinished).toMatchObject({
      type: 'job.finished',
      version: 1,
      // One of two read: DONE, with error_items saying how many failed; the row says the same.
      data: { job_id: jobId, status: 'DONE', total_items: 2, done_items: 1, error_items: 1 },
    });
    const failed = deliveries
      .filter((d) => d.event_type === 'item.finished')
      .map((d) => JSON.parse(d.payload).data)
      .find((data) => data.status === 'ERROR');
    expect(failed).toMatchObject({ item_id: itemIds[0], confidence: null, error: 'unreadable' });
    expect(deliveries.filter((d) => d.endpoint_id === both.id)).toHaveLength(3);
    const queued = await OutboxMessage.findAll({ where: { destination: 'webhook' } });
    expect(queued.map((m) => JSON.parse(m.body).delivery_id).sort()).toEqual(
      deliveries.map((d) => d.id).sort(),
    );
  });
});
