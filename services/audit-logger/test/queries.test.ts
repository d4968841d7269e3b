import { randomUUID } from 'node:crypto';
import {
  auditRecord,
  InvalidCursorError,
  InvalidTimeRangeError,
  queryJobEvents,
  queryTenantEvents,
  type AuditPage,
} from '@ocr-jobs/audit-store';
import type { AuditEvent } from '@ocr-jobs/contracts';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { AuditWriter } from '../src/audit-writer';
import { auditEvent, capturingLogger, defaultSettings } from './support';

/** Every page of a query, following next_cursor until it is null. */
async function allPages(query: (cursor?: string) => Promise<AuditPage>): Promise<AuditPage[]> {
  const pages: AuditPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await query(cursor);
    pages.push(page);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return pages;
}

const minute = (n: number) => new Date(Date.UTC(2025, 0, 1, 12, n)).toISOString();

describe('audit queries', () => {
  let stack: TestStack;
  const jobA = randomUUID();
  const jobB = randomUUID();
  const byJob = (jobId: string, cursor?: string, limit = 2) =>
    queryJobEvents(stack.clients.dynamodbDocument, stack.names.auditTable, jobId, { limit, cursor });
  const byTenant = (
    tenant: string,
    page: { since: string; until: string; cursor?: string; limit?: number },
  ) =>
    queryTenantEvents(stack.clients.dynamodbDocument, stack.names.auditTable, tenant, { limit: 2, ...page });
  // Job A's events, written out of order and with the time forms the contract allows.
  const jobAEvents: AuditEvent[] = [
    auditEvent({ job_id: jobA, action: 'item.done', at: '2025-01-01T12:03:00.5Z' }),
    auditEvent({ job_id: jobA, action: 'job.created', at: '2025-01-01T14:00:00+02:00' }), // 12:00Z
    auditEvent({ job_id: jobA, action: 'item.started', at: '2025-01-01T12:03:00Z' }),
    auditEvent({ job_id: jobA, action: 'job.renamed', at: '2025-01-01T12:01:00.000001Z' }),
    auditEvent({ job_id: jobA, action: 'job.finished', at: '2025-01-01T12:04:00Z' }),
  ];
  const jobBEvents = [
    auditEvent({ job_id: jobB, at: minute(2) }),
    auditEvent({ job_id: jobB, at: minute(5) }),
  ];
  const tenantEvents = [
    auditEvent({ action: 'api_key.created', job_id: undefined, at: minute(6) }),
    auditEvent({ action: 'auth.refused', job_id: undefined, at: minute(7) }),
  ];
  const otherTenant = auditEvent({ tenant: 'globex', at: minute(3) });

  beforeAll(async () => {
    stack = await startTestStack();
    const { logger } = capturingLogger();
    const defaults = defaultSettings(stack);
    const writer = new AuditWriter({
      doc: stack.clients.dynamodbDocument,
      table: stack.names.auditTable,
      logger,
      maxAttempts: defaults.writeMaxAttempts,
      backoff: { baseMs: defaults.writeBackoffMs, maxMs: defaults.writeBackoffMaxMs },
    });
    const all = [...jobAEvents, ...jobBEvents, ...tenantEvents, otherTenant];
    const outcome = await writer.write(all.map((e) => auditRecord(e, 365)));
    expect(outcome.written.size).toBe(all.length);
  });
  afterAll(() => stack.stop());

  describe('queryJobEvents', () => {
    it("pages through one job's events in time order", async () => {
      const pages = await allPages((cursor) => byJob(jobA, cursor));

      expect(pages.map((p) => p.data.length).filter(Boolean)).toEqual([2, 2, 1]);
      expect(pages.flatMap((p) => p.data.map((e) => e.action))).toEqual([
        'job.created',
        'job.renamed',
        'item.started',
        'item.done',
        'job.finished',
      ]);
      expect(pages[0]!.data[0]).toEqual(jobAEvents[1]);
    });

    it('answers an empty page for a job without events', async () => {
      expect(await byJob(randomUUID())).toEqual({ data: [], next_cursor: null });
    });

    it.each([
      ['garbage', 'not a cursor!'],
      ['a JSON array', Buffer.from('[1]').toString('base64url')],
      [
        'a key with extra attributes',
        Buffer.from(JSON.stringify({ pk: `JOB#${jobA}`, sk: 'x', y: 'z' })).toString('base64url'),
      ],
    ])('rejects %s as cursor', async (_, cursor) => {
      await expect(byJob(jobA, cursor)).rejects.toThrow(InvalidCursorError);
    });

    it("rejects another job's cursor", async () => {
      const { next_cursor } = await byJob(jobB, undefined, 1);

      await expect(byJob(jobA, next_cursor!)).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    });
  });

  describe('queryTenantEvents', () => {
    it("pages through a tenant's events with since <= at < until, across jobs and without a job", async () => {
      const pages = await allPages((cursor) =>
        byTenant('acme', { since: minute(2), until: minute(7), cursor }),
      );

      const ats = pages.flatMap((p) => p.data.map((e) => new Date(e.at).toISOString()));
      expect(ats).toEqual([
        minute(2),
        '2025-01-01T12:03:00.000Z',
        '2025-01-01T12:03:00.500Z',
        minute(4),
        minute(5),
        minute(6),
      ]);
      expect(pages.every((p) => p.data.every((e) => e.tenant === 'acme'))).toBe(true);
    });

    it('reads since and until in any offset', async () => {
      const page = await byTenant('acme', {
        since: '2025-01-01T14:06:00+02:00',
        until: '2025-01-01T07:08:00-05:00',
        limit: 10,
      });

      expect(page.data.map((e) => e.action)).toEqual(['api_key.created', 'auth.refused']);
    });

    it('answers an empty page for an empty range', async () => {
      expect(await byTenant('acme', { since: minute(5), until: minute(5) })).toEqual({
        data: [],
        next_cursor: null,
      });
    });

    it('rejects a time that is not one', async () => {
      await expect(byTenant('acme', { since: 'yesterday', until: minute(5) })).rejects.toThrow(
        InvalidTimeRangeError,
      );
    });

    it("rejects another tenant's cursor and a cursor outside the range", async () => {
      const { next_cursor } = await byTenant('acme', { since: minute(0), until: minute(10), limit: 1 });

      await expect(
        byTenant('globex', { since: minute(0), until: minute(10), cursor: next_cursor! }),
      ).rejects.toThrow(InvalidCursorError);
      await expect(
        byTenant('acme', { since: minute(5), until: minute(10), cursor: next_cursor! }),
      ).rejects.toThrow(InvalidCursorError);
      await expect(byTenant('acme', { since: minute(0), until: minute(10), cursor: 'e30' })).rejects.toThrow(
        InvalidCursorError,
      );
    });
  });
});
