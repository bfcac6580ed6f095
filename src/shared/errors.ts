import { z } from 'zod';

/** The error codes a client can receive, with the HTTP status each travels with. */
export const API_ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  /** An upload refused because the server's disk is down to its free-space floor. */
  INSUFFICIENT_STORAGE: 507,
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export const inputIssueSchema = z.object({ path: z.string(), message: z.string() });
export type InputIssue = z.infer<typeof inputIssueSchema>;

/**
 * What an error carries besides its message, on tRPC (`error.data`) and on the REST aliases
 * (`error`), so that every client reads the same fields.
 */
export const apiErrorDataSchema = z.object({
  code: z.string(),
  httpStatus: z.number().int(),
  requestId: z.string().optional(),
  /** Why a session could not be used: lets a client tell "ended" from "not yours". */
  reason: z.string().optional(),
  /** Seconds until a rate-limited client may try again. */
  retryAfterSeconds: z.number().int().optional(),
  issues: z.array(inputIssueSchema).optional(),
});
export type ApiErrorData = z.infer<typeof apiErrorDataSchema>;

export const restErrorBodySchema = z.object({
  error: apiErrorDataSchema.extend({ message: z.string() }),
});
export type RestErrorBody = z.infer<typeof restErrorBodySchema>;
