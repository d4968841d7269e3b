import type { S3Client } from '@aws-sdk/client-s3';
import type { Limit } from 'p-limit';
import type { AwsClients, Logger, OcrLanguage } from '@ocr-jobs/runtime';
import type { Sequelize } from 'sequelize-typescript';
import type { AppSettings } from './config';

/** Everything the HTTP application needs; main.ts builds it from config, tests from the stand-ins. */
export interface AppDeps {
  logger: Logger;
  db: Sequelize;
  clients: AwsClients;
  settings: AppSettings;
  /** Queue URLs /readyz checks (OCR and audit). */
  queueUrls: string[];
  /** Wakes the outbox relay after a commit that wrote outbox rows (it polls anyway). */
  nudgeOutbox?: () => void;
}

/** Built once per app from AppDeps. */
export interface AppServices extends AppDeps {
  presigner: S3Client;
  /** The process's slots for files streaming to S3 (UPLOAD_CONCURRENCY): every request shares them. */
  uploadSlots: Limit;
  /** The languages the workers can read (OCR_LANGUAGES, or this machine's models). */
  languages: OcrLanguage[];
  nudge: () => void;
}
