import { describe, expect, it } from '@jest/globals';
import { buildOpenApiDocument } from '../src/openapi/document';

type Doc = {
  webhooks: Record<
    string,
    { post: { operationId: string; requestBody: { content: Record<string, { schema: unknown }> } } }
  >;
  paths: Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>>;
};

describe('OpenAPI document: webhooks', () => {
  const doc = buildOpenApiDocument() as Doc;

  it('documents both events in the 3.1 webhooks section, versioned', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual(['item.finished', 'job.finished']);
    const schema = JSON.stringify(doc.webhooks['job.finished']!.post.requestBody.content['application/json']);
    expect(schema).toContain('JobFinishedEvent');
  });

  it.each([
    ['/api/webhooks', 'post', 'createWebhook'],
    ['/api/webhooks', 'get', 'listWebhooks'],
    ['/api/webhooks/secret', 'get', 'getWebhookTenantSecret'],
    ['/api/webhooks/{id}', 'delete', 'deleteWebhook'],
    ['/api/webhooks/{id}/deliveries', 'get', 'listWebhookDeliveries'],
    ['/api/webhooks/{id}/deliveries/{delivery_id}/redeliver', 'post', 'redeliverWebhook'],
    ['/api/jobs/{id}/stream', 'get', 'streamJobProgress'],
  ])('documents %s %s as %s with its 4xx answers', (path, method, operationId) => {
    const operation = doc.paths[path]?.[method];
    expect(operation?.operationId).toBe(operationId);
    expect(Object.keys(operation!.responses)).toContain('401');
  });
});
