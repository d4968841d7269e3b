import type { QueryInterface } from 'sequelize';
import * as initialSchema from './001-initial-schema';
import * as jobsTenantColumn from './002-jobs-tenant-column';
import * as outboxLease from './003-outbox-lease';
import * as itemRedrives from './004-item-redrives';
import * as webhooks from './005-webhooks';
import * as itemOptions from './006-item-options';

export interface Migration {
  name: string;
  up(params: { context: QueryInterface }): Promise<void>;
  down(params: { context: QueryInterface }): Promise<void>;
}

/** Every migration, in order. Listed in code (not globbed) so they ship inside dist/ and the images. */
export const migrations: Migration[] = [
  { name: '001-initial-schema', ...initialSchema },
  { name: '002-jobs-tenant-column', ...jobsTenantColumn },
  { name: '003-outbox-lease', ...outboxLease },
  { name: '004-item-redrives', ...itemRedrives },
  { name: '005-webhooks', ...webhooks },
  { name: '006-item-options', ...itemOptions },
];
