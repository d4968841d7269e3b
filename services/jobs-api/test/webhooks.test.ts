import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { enqueueWebhookEvent, Job, WebhookDelivery, WebhookEndpoint } from '@ocr-jobs/db';
import { testDialects } from '@ocr-jobs/testing';
import { attemptDelivery } from '../src/webhooks/deliver';
import { createDeliveryConsumer } from '../src/webhooks/delivery-consumer';
import { png } from './support/fixtures';
import { drainQueue, eventually, startHarness, type Harness } from './support/harness';
import { Receiver, type Received } from './support/receiver';

const deliverySettings = {
  WEBHOOK_ALLOW_HTTP: true,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
  WEBHOOK_TIMEOUT_MS: 500,
  WEBHOOK_BACKOFF_BASE_SECONDS: 1,
  WEBHOOK_RETRY_WINDOW_HOURS: 26,
  WEBHOOK_DISABLE_AFTER_HOURS: 72,
  WEBHOOK_CONCURRENCY: 4,
};

describe.each(testDialects())('webhooks on %s', (dialect) => {
  let h: Harness;
  let receiver: Receiver;
  let consumer: ReturnType<typeof createDeliveryConsumer>;

  beforeAll(async () => {
    h = await startHarness(dialect);
    consumer = createDeliveryConsumer({
      db: h.database.db,
      sqs: h.stack.serviceClients.sqs,
      queueUrl: h.stack.resources.queueUrls.webhook,
      logger: h.logger,
      settings: deliverySettings,
      waitTimeSeconds: 1,
    });
    consumer.start();
  });
  afterAll(async () => {
    await consumer.stop();
    await h.stop();
  });
  beforeEach(async () => {
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await receiver.stop();
    await WebhookEndpoint.destroy({ where: {} });
  });

  const register = async (url: string, events?: string[], key = h.keys.a) => {
    const res = await h.api().post('/api/webhooks').set('x-api-key', key).send({ url, events });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; events: string[] };
  };
  /** What the worker does when a job finishes: the event, in a transaction. */
  const finishJob = async (tenant = 'tenant-a', callbackUrl?: string) => {
    const jobId = randomUUID();
    await h.database.db.transaction((transaction) =>
      enqueueWebhookEvent(transaction, {
        tenant,
        type: 'job.finished',
        callbackUrl: callbackUrl ?? null,
        data: { job_id: jobId, status: 'DONE', total_items: 1, done_items: 1, error_items: 0 },
      }),
    );
    h.relay.nudge();
    return jobId;
  };
  const deliveries = async (endpointId: string) =>
    (await h.api().get(`/api/webhooks/${endpointId}/deliveries`).set('x-api-key', h.keys.a)).body
      .data as Array<Record<string, unknown>>;
  const verified = (secret: string, r: Received) =>
    new Webhook(secret).verify(r.body, r.headers) as {
      type: string;
      version: number;
      data: { job_id: string };
    };

  it('creates, lists and deletes endpoints; the secret is shown once', async () => {
    // Act
    const created = await register(receiver.url(), ['job.finished', 'item.finished']);
    const list = await h.api().get('/api/webhooks').set('x-api-key', h.keys.a);
    const other = await h.api().get('/api/webhooks').set('x-api-key', h.keys.b);
    const foreignDelete = await h.api().delete(`/api/webhooks/${created.id}`).set('x-api-key', h.keys.b);
    const removed = await h.api().delete(`/api/webhooks/${created.id}`).set('x-api-key', h.keys.a);

    // Assess
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(created.events).toEqual(['job.finished', 'item.finished']);
    expect(list.body.data).toEqual([expect.objectContaining({ id: created.id, url: receiver.url() })]);
    expect(list.body.data[0]).not.toHaveProperty('secret');
    expect(other.body.data).toEqual([]);
    expect(foreignDelete.status).toBe(404);
    expect(removed.status).toBe(204);
  });

  it.each([
    [{ url: 'ftp://example.com/x' }, 'INVALID_WEBHOOK_URL'],
    [{ url: 'not a url' }, 'INVALID_WEBHOOK_URL'],
    [{ url: 'https://example.com', events: ['job.started'] }, 'VALIDATION_FAILED'],
    [{ url: 'https://example.com', events: [] }, 'VALIDATION_FAILED'],
    [{}, 'VALIDATION_FAILED'],
  ])('refuses %j with 400 %s', async (body, code) => {
    const res = await h.api().post('/api/webhooks').set('x-api-key', h.keys.a).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  it('delivers a signed job.finished that standardwebhooks verifies, and logs it', async () => {
    // Prepare
    const endpoint = await register(receiver.url());

    // Act
    const jobId = await finishJob();
    await eventually(async () => (receiver.received.length >= 1 ? true : undefined));

    // Assess
    const event = verified(endpoint.secret, receiver.received[0]!);
    expect(event).toMatchObject({
      type: 'job.finished',
      version: 1,
      data: { job_id: jobId, status: 'DONE' },
    });
    const log = await eventually(async () => {
      const d = await deliveries(endpoint.id);
      return d[0]?.status === 'DELIVERED' ? d : undefined;
    });
    expect(log).toEqual([
      expect.objectContaining({
        id: receiver.received[0]!.headers['webhook-id'],
        event_type: 'job.finished',
        attempts: 1,
        last_status_code: 200,
        next_attempt_at: null,
      }),
    ]);
  });

  it('sends each endpoint only the events it opted into', async () => {
    // Prepare: the default is job.finished only.
    await register(receiver.url());

    // Act
    await h.database.db.transaction((transaction) =>
      enqueueWebhookEvent(transaction, { tenant: 'tenant-a', type: 'item.finished', data: {} }),
    );
    const jobId = await finishJob();
    await eventually(async () => (receiver.received.length >= 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500));

    // Assess
    expect(receiver.received.map((r) => JSON.parse(r.body).data.job_id)).toEqual([jobId]);
  });

  it('delivers every event once the receiver is back after being down, each under one id', async () => {
    // Prepare: the receiver is down (its port closed) while three jobs finish.
    const endpoint = await register(receiver.url());
    const port = receiver.port;
    await receiver.stop();
    const jobIds = [await finishJob(), await finishJob(), await finishJob()];
    await eventually(async () => {
      const d = await deliveries(endpoint.id);
      return d.length === 3 && d.every((x) => Number(x.attempts) >= 2) ? true : undefined;
    });

    // Act: it comes back.
    await receiver.start(port);
    await eventually(async () => {
      const d = await deliveries(endpoint.id);
      return d.every((x) => x.status === 'DELIVERED') ? true : undefined;
    }, 30_000);

    // Assess: every event arrived, verified, and each job under exactly one webhook-id.
    const byJob = new Map<string, Set<string>>();
    for (const r of receiver.received) {
      const event = verified(endpoint.secret, r);
      byJob.set(event.data.job_id, (byJob.get(event.data.job_id) ?? new Set()).add(r.headers['webhook-id']!));
    }
    expect([...byJob.keys()].sort()).toEqual([...jobIds].sort());
    for (const ids of byJob.values()) expect(ids.size).toBe(1);
  }, 60_000);

  it('retries after a 500 and records the 200', async () => {
    // Prepare
    const endpoint = await register(receiver.url());
    receiver.answers = [{ status: 500 }];

    // Act
    await finishJob();
    const log = await eventually(async () => {
      const d = await deliveries(endpoint.id);
      return d[0]?.status === 'DELIVERED' ? d : undefined;
    });

    // Assess
    expect(log[0]).toMatchObject({ attempts: 2, last_status_code: 200 });
    expect(receiver.received).toHaveLength(2);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('gives up on a slow receiver at the timeout and tries again later', async () => {
    // Prepare: answers after 3 s; the timeout is 500 ms.
    const endpoint = await register(receiver.url());
    receiver.answers = [{ status: 200, delayMs: 3000 }];

    // Act
    await finishJob();
    const log = await eventually(async () => {
      const d = await deliveries(endpoint.id);
      return Number(d[0]?.attempts) >= 1 ? d : undefined;
    });

    // Assess
    expect(log[0]).toMatchObject({ status: 'PENDING', last_status_code: null });
    expect(String(log[0]!.last_error)).toMatch(/timed out/);
    expect(log[0]!.next_attempt_at).not.toBeNull();
    await eventually(async () =>
      (await deliveries(endpoint.id))[0]?.status === 'DELIVERED' ? true : undefined,
    );
  });

  it('does not follow a redirect', async () => {
    // Prepare: the first answer redirects to another path of the same receiver.
    const endpoint = await register(receiver.url());
    receiver.answers = [
      { status: 302, location: receiver.url('/elsewhere') },
      { status: 302, location: '/x' },
    ];

    // Act
    await finishJob();
    const log = await eventually(async () => {
      const d = await deliveries(endpoint.id);
      return Number(d[0]?.attempts) >= 1 ? d : undefined;
    });

    // Assess
    expect(log[0]).toMatchObject({ status: 'PENDING', last_status_code: 302 });
    expect(receiver.received.every((r) => r.path === '/hook')).toBe(true);
  });

  it('disables an endpoint that answers 410 Gone, with an audit event', async () => {
    // Prepare
    const endpoint = await register(receiver.url());
    receiver.answers = [{ status: 410 }];
    await drainQueue(h.stack, h.stack.resources.queueUrls.audit, 0);

    // Act
    await finishJob();
    const listed = await eventually(async () => {
      const res = await h.api().get('/api/webhooks').set('x-api-key', h.keys.a);
      return res.body.data[0]?.disabled_at ? res.body.data[0] : undefined;
    });

    // Assess
    expect(listed.disabled_reason).toMatch(/410/);
    expect((await deliveries(endpoint.id))[0]).toMatchObject({ status: 'FAILED', last_status_code: 410 });
    const audit = await eventually(async () => {
      const messages = await drainQueue(h.stack, h.stack.resources.queueUrls.audit, 1);
      const bodies = messages.map((m) => JSON.parse(m.Body ?? '{}'));
      return bodies.find((b) => b.action === 'webhook.disabled');
    });
    expect(audit).toMatchObject({ tenant: 'tenant-a', details: { endpoint_id: endpoint.id } });
  });

  it('disables an endpoint that has failed for days', async () => {
    // Prepare: failing since four days (more than WEBHOOK_DISABLE_AFTER_HOURS), a delivery waiting.
    const endpoint = await register(receiver.url());
    receiver.answers = [{ status: 503 }];
    await WebhookEndpoint.update(
      { failing_since: new Date(Date.now() - 4 * 24 * 3600_000) },
      { where: { id: endpoint.id } },
    );
    const delivery = await WebhookDelivery.create({
      tenant: 'tenant-a',
      endpoint_id: endpoint.id,
      url: receiver.url(),
      event_type: 'job.finished',
      payload: '{}',
      window_started_at: new Date(),
    });

    // Act: one attempt, as the consumer makes it.
    const decision = await attemptDelivery(
      { db: h.database.db, logger: h.logger, settings: deliverySettings },
      delivery.id,
    );

    // Assess
    expect(decision).toEqual({ kind: 'settled' });
    expect((await WebhookEndpoint.findByPk(endpoint.id))!.disabled_reason).toMatch(/failing since/);
  });

  it('gives a delivery up once its retry window has passed', async () => {
    // Prepare: a delivery whose window started 27 h ago (window 26 h).
    const endpoint = await register(receiver.url());
    receiver.answers = [{ status: 500 }];
    const delivery = await WebhookDelivery.create({
      tenant: 'tenant-a',
      endpoint_id: endpoint.id,
      url: receiver.url(),
      event_type: 'job.finished',
      payload: '{}',
      window_started_at: new Date(Date.now() - 27 * 3600_000),
    });

    // Act
    const decision = await attemptDelivery(
      { db: h.database.db, logger: h.logger, settings: deliverySettings },
      delivery.id,
    );

    // Assess
    expect(decision).toEqual({ kind: 'settled' });
    expect(await WebhookDelivery.findByPk(delivery.id)).toMatchObject({
      status: 'FAILED',
      last_status_code: 500,
    });
  });

  it('redelivers a delivery on request, under the same id', async () => {
    // Prepare: one delivered event.
    const endpoint = await register(receiver.url());
    await finishJob();
    const [first] = await eventually(async () => {
      const d = await deliveries(endpoint.id);
      return d[0]?.status === 'DELIVERED' ? d : undefined;
    });

    // Act
    const res = await h
      .api()
      .post(`/api/webhooks/${endpoint.id}/deliveries/${String(first!.id)}/redeliver`)
      .set('x-api-key', h.keys.a);
    const foreign = await h
      .api()
      .post(`/api/webhooks/${endpoint.id}/deliveries/${String(first!.id)}/redeliver`)
      .set('x-api-key', h.keys.b);
    await eventually(async () => (receiver.received.length >= 2 ? true : undefined));

    // Assess
    expect(res.status).toBe(202);
    expect(foreign.status).toBe(404);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([first!.id, first!.id]);
  });

  it("signs a job's callback_url with the tenant secret from GET /api/webhooks/secret", async () => {
    // Prepare: a job created with a callback_url.
    const created = await h
      .api()
      .post('/api/jobs')
      .set('x-api-key', h.keys.a)
      .field('name', 'with callback')
      .field('callback_url', receiver.url('/cb'))
      .attach('images', png(20, 20), { filename: 'a.png' });
    expect(created.status).toBe(201);
    const job = await Job.findByPk(created.body.id);
    const { secret } = (await h.api().get('/api/webhooks/secret').set('x-api-key', h.keys.a)).body;

    // Act
    await finishJob('tenant-a', job!.callback_url!);
    await eventually(async () => (receiver.received.length >= 1 ? true : undefined));

    // Assess
    expect(job!.callback_url).toBe(receiver.url('/cb'));
    expect(verified(secret, receiver.received[0]!).type).toBe('job.finished');
    const otherSecret = (await h.api().get('/api/webhooks/secret').set('x-api-key', h.keys.b)).body.secret;
    expect(otherSecret).not.toBe(secret);
  });

  it('refuses a job whose callback_url is not a URL', async () => {
    const res = await h
      .api()
      .post('/api/jobs')
      .set('x-api-key', h.keys.a)
      .field('name', 'bad callback')
      .field('callback_url', 'gopher://x')
      .attach('images', png(20, 20), { filename: 'a.png' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_WEBHOOK_URL');
  });
});
