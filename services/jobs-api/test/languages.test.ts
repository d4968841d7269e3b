import { describe, expect, it } from '@jest/globals';
import { Job, JobItem } from '@ocr-jobs/db';
import { testDialects } from '@ocr-jobs/testing';
import { harnessForSuite } from './support/harness';
import { png } from './support/fixtures';

/** The harness's workers read eng, por and spa (OCR_LANGUAGES), eng by default. */
describe.each(testDialects())('languages on %s', (dialect) => {
  const h = harnessForSuite(dialect);

  const { asA } = h;
  const createJob = (languages?: string) => {
    const request = asA().post('/api/jobs').field('name', 'scan');
    if (languages !== undefined) request.field('languages', languages);
    return request.attach('images', png(20, 20), { filename: 'a.png' });
  };

  it('GET /api/languages lists what the workers read, with names, models and the default', async () => {
    const res = await asA().get('/api/languages');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        { code: 'eng', name: 'English', model: 'best' },
        { code: 'por', name: 'Portuguese', model: 'best' },
        { code: 'spa', name: 'Spanish', model: 'fast' },
      ],
      default: 'eng',
    });
  });

  it('GET /api/languages needs an API key', async () => {
    const res = await h.api().get('/api/languages');

    expect(res.status).toBe(401);
  });

  it('stores and shows the languages of a job and each item, and reads them back', async () => {
    const res = await createJob(' POR+eng ');

    expect(res.status).toBe(201);
    expect(res.body.languages).toBe('por+eng');
    expect(res.body.items[0].languages).toBe('por+eng');
    expect((await Job.findByPk(res.body.id))?.languages).toBe('por+eng');
    expect((await JobItem.findByPk(res.body.items[0].id))?.languages).toBe('por+eng');
    const detail = await asA().get(`/api/jobs/${res.body.id}`);
    expect(detail.body.languages).toBe('por+eng');
  });

  it('gives a job that names no languages the default', async () => {
    const res = await createJob();

    expect(res.status).toBe(201);
    expect(res.body.languages).toBe('eng');
    expect(res.body.items[0].languages).toBe('eng');
  });

  it('refuses a language the workers cannot read with 422 UNSUPPORTED_LANGUAGE naming the available ones, leaving no job', async () => {
    const jobs = await Job.count();

    const res = await createJob('por+deu');

    expect(res.status).toBe(422);
    expect(res.body.error).toEqual({
      code: 'UNSUPPORTED_LANGUAGE',
      message: 'languages: no OCR model for deu; available: eng, por, spa (GET /api/languages)',
    });
    expect(await Job.count()).toBe(jobs);
  });

  it.each(['por,eng', 'portuguese', 'por+', 'por+por', ''])(
    'refuses the malformed languages %j with 400 INVALID_LANGUAGES',
    async (languages) => {
      const res = await createJob(languages);

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_LANGUAGES');
      expect(res.body.error.message).toMatch(/^languages: .*e\.g\. "por" or "por\+eng"/);
    },
  );

  it('checks the JSON body’s languages the same way, before any upload is touched', async () => {
    const malformed = await asA()
      .post('/api/jobs')
      .send({ name: 'x', uploads: ['u/1'], languages: 'por eng' });
    const unsupported = await asA()
      .post('/api/jobs')
      .send({ name: 'x', uploads: ['u/1'], languages: 'ita' });
    const notAString = await asA()
      .post('/api/jobs')
      .send({ name: 'x', uploads: ['u/1'], languages: ['por'] });

    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'INVALID_LANGUAGES']);
    expect([unsupported.status, unsupported.body.error.code]).toEqual([422, 'UNSUPPORTED_LANGUAGE']);
    expect([notAString.status, notAString.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
