import { describe, expect, it } from '@jest/globals';
import { CorruptFileError, OcrTimeoutError } from '../../src/errors';
import { decideFailure, decideStart, nextJobProgress } from '../../src/item-decisions';

describe('decideStart', () => {
  it('starts an unfinished item of a live job', () => {
    expect(decideStart({ status: 'PENDING', run: 0 }, { status: 'PENDING' })).toBe('start');
    expect(decideStart({ status: 'PROCESSING', run: 0 }, { status: 'PROCESSING' })).toBe('start');
  });

  it('leaves a finished item, or any item of an expired job, alone', () => {
    expect(decideStart({ status: 'DONE', run: 0 }, { status: 'PROCESSING' })).toBe('already-finished');
    expect(decideStart({ status: 'ERROR', run: 0 }, { status: 'ERROR' })).toBe('already-finished');
    expect(decideStart({ status: 'PENDING', run: 0 }, { status: 'EXPIRED' })).toBe('already-finished');
  });

  it("drops a message of another run than the item's current one, whatever its status", () => {
    expect(decideStart({ status: 'PENDING', run: 1 }, { status: 'PROCESSING' })).toBe('stale');
    expect(decideStart({ status: 'PENDING', run: 1 }, { status: 'PROCESSING' }, 0)).toBe('stale');
    expect(decideStart({ status: 'DONE', run: 2 }, { status: 'DONE' }, 1)).toBe('stale');
    expect(decideStart({ status: 'PENDING', run: 1 }, { status: 'PROCESSING' }, 1)).toBe('start');
  });

  it('drops a message whose item or job is gone', () => {
    expect(decideStart(null, { status: 'PROCESSING' })).toBe('missing');
    expect(decideStart({ status: 'PENDING', run: 0 }, null)).toBe('missing');
  });
});

describe('nextJobProgress', () => {
  const job = { status: 'PROCESSING' as const, total_items: 3, done_items: 1, error_items: 0 };

  it('keeps the job PROCESSING while items are unfinished', () => {
    expect(nextJobProgress(job, true)).toEqual({
      doneItems: 2,
      errorItems: 0,
      status: 'PROCESSING',
      last: false,
    });
  });

  it('finishes the job DONE when its last item succeeds', () => {
    expect(nextJobProgress({ ...job, done_items: 2 }, true)).toEqual({
      doneItems: 3,
      errorItems: 0,
      status: 'DONE',
      last: true,
    });
  });

  it('finishes the job DONE when some of its items failed but at least one succeeded', () => {
    expect(nextJobProgress({ ...job, done_items: 2 }, false)).toEqual({
      doneItems: 2,
      errorItems: 1,
      status: 'DONE',
      last: true,
    });
    expect(nextJobProgress({ ...job, done_items: 0, error_items: 2 }, true)).toMatchObject({
      status: 'DONE',
      last: true,
    });
  });

  it('finishes the job ERROR only when every item failed', () => {
    expect(nextJobProgress({ ...job, done_items: 0, error_items: 2 }, false)).toMatchObject({
      errorItems: 3,
      status: 'ERROR',
      last: true,
    });
  });

  it('never moves an expired job', () => {
    expect(nextJobProgress({ ...job, status: 'EXPIRED', done_items: 2 }, true).status).toBe('EXPIRED');
  });
});

describe('decideFailure', () => {
  const context = { receiveCount: 1, maxReceiveCount: 5, shuttingDown: false };

  it('fails the item at once for a permanent failure, with its code', () => {
    expect(decideFailure(new CorruptFileError('corrupt image'), context)).toEqual({
      kind: 'fail',
      reason: 'corrupt image',
      code: 'CORRUPT_FILE',
    });
  });

  it('retries a transient failure while receives are left', () => {
    expect(decideFailure(new Error('socket hang up'), context)).toEqual({ kind: 'retry' });
  });

  it('gives up on the last allowed receive', () => {
    expect(decideFailure(new Error('socket hang up'), { ...context, receiveCount: 5 })).toEqual({
      kind: 'fail',
      reason: 'gave up after 5 attempts: socket hang up',
    });
  });

  it('releases the message at shutdown unless the failure is permanent', () => {
    const shuttingDown = { ...context, shuttingDown: true };
    expect(decideFailure(new Error('aborted'), shuttingDown)).toEqual({ kind: 'release' });
    expect(decideFailure(new OcrTimeoutError(100), shuttingDown)).toMatchObject({
      kind: 'fail',
      code: 'OCR_TIMEOUT',
    });
  });
});
