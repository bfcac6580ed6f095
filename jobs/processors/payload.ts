import { UnrecoverableError, type Job } from 'bullmq';
import type { z } from 'zod';

/** The job's payload, checked against its shared schema: a malformed one can never succeed, so it is not retried. */
export function parsePayload<S extends z.ZodType>(schema: S, job: Job): z.infer<S> {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`).join('; ');
    throw new UnrecoverableError(`The ${job.name} job ${job.id ?? ''} has an invalid payload (${issues}).`);
  }
  return parsed.data;
}
