/**
 * Error codes of capture uploads, with one sentence each and the HTTP status each answers;
 * ../errors.ts merges them into the DP's one table.
 */
export const CAPTURE_ERROR_CODES = {
  DP_CAPTURE_INVALID: 'A capture plan is inconsistent (size, chunk size, hash list, unused chunks or map source).',
  DP_CAPTURE_NOT_FOUND: 'No capture upload of that name is open on this DP (begin it, or begin it again after a DP restart).',
  DP_CAPTURE_CHUNK_REFUSED: 'An uploaded chunk is not a data chunk of the plan, or its length or SHA-256 differs from the plan; nothing was written.',
  DP_CAPTURE_INCOMPLETE: 'Finishing a capture was asked for while some data chunks are not uploaded yet (their count is in the data).',
  DP_CAPTURE_GRANT: 'The capture grant is malformed, forged, expired, or presented for another image than the one it was issued for.',
} as const;

export type CaptureErrorCode = keyof typeof CAPTURE_ERROR_CODES;

export const CAPTURE_ERROR_STATUS: Record<CaptureErrorCode, number> = {
  DP_CAPTURE_INVALID: 400,
  DP_CAPTURE_NOT_FOUND: 404,
  DP_CAPTURE_CHUNK_REFUSED: 422,
  DP_CAPTURE_INCOMPLETE: 409,
  DP_CAPTURE_GRANT: 403,
};
