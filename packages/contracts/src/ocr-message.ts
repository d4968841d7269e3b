import { z } from 'zod';

/**
 * One OCR message per item on the OCR queue: the seeds' contract, extended only by adding fields.
 * The W3C `traceparent` travels as an SQS message attribute, not in the body.
 */
export const ocrMessageSchema = z.object({
  job_id: z.uuid(),
  item_id: z.uuid(),
  s3_bucket: z.string().min(1),
  s3_key: z.string().min(1),
  created_at: z.iso.datetime({ offset: true }),
  /**
   * The item's run this message was sent for (`job_items.run`: + 1 on each retry or reprocess);
   * absent means 0. A message of an earlier run than the item's is ignored.
   */
  run: z.number().int().nonnegative().optional(),
});

export type OcrMessage = z.infer<typeof ocrMessageSchema>;

export const TRACEPARENT_ATTRIBUTE = 'traceparent';
