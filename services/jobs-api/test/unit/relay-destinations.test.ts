import { jobsApiConfigSchema } from '../../src/config';

describe('the API outbox relay destinations', () => {
  it('relays OCR messages, audit events and webhook redeliveries by default', () => {
    expect(jobsApiConfigSchema.parse({}).OUTBOX_RELAY_DESTINATIONS).toEqual(['ocr', 'audit', 'webhook']);
  });
});
