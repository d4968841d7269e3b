export const JOB_STATUSES = ['PENDING', 'PROCESSING', 'DONE', 'ERROR', 'EXPIRED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const ITEM_STATUSES = ['PENDING', 'PROCESSING', 'DONE', 'ERROR'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
