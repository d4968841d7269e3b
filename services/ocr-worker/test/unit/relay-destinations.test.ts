import { configSchema } from '../../src/config';

describe('the worker outbox relay destinations', () => {
  it('relays the rows the worker writes by default: audit events and webhook deliveries, not OCR messages', () => {
    expect(configSchema.parse({}).OUTBOX_RELAY_DESTINATIONS).toEqual(['audit', 'webhook']);
  });
});
