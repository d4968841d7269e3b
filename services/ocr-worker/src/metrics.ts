/** What one item contributes to the dashboard. */
export interface ItemMetrics {
  queueWaitMs: number;
  ocrDurationMs?: number;
  pagesProcessed: number;
  itemsFailed: number;
}

const UNITS = {
  OcrDurationMs: 'Milliseconds',
  QueueWaitMs: 'Milliseconds',
  PagesProcessed: 'Count',
  ItemsFailed: 'Count',
} as const;

/**
 * CloudWatch Embedded Metric Format: one JSON line per item on stdout, which the awslogs driver
 * ships and CloudWatch turns into metrics (no API calls, no agent).
 */
export class EmfMetrics {
  constructor(
    private readonly namespace: string,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly service = 'ocr-worker',
  ) {}

  item(m: ItemMetrics): void {
    const values: Partial<Record<keyof typeof UNITS, number>> = {
      QueueWaitMs: m.queueWaitMs,
      PagesProcessed: m.pagesProcessed,
      ItemsFailed: m.itemsFailed,
      ...(m.ocrDurationMs !== undefined ? { OcrDurationMs: m.ocrDurationMs } : {}),
    };
    const names = Object.keys(values) as Array<keyof typeof UNITS>;
    this.write(
      JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: this.namespace,
              Dimensions: [['Service']],
              Metrics: names.map((Name) => ({ Name, Unit: UNITS[Name] })),
            },
          ],
        },
        Service: this.service,
        ...values,
      }),
    );
  }
}
