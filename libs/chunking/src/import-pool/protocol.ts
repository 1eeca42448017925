// Messages between an import and its worker threads, and how a typed error crosses the thread
// boundary: structured clone keeps an Error's message but not its class, code or data, so a
// ChunkingError is sent as plain fields and rebuilt on the main thread.
import { CHUNKING_ERROR_CODES, ChunkingError, type ChunkingErrorCode } from '../errors';
import type { ChunkJob, ChunkWorkResult } from './chunk-work';

export type WorkerRequest =
  | { readonly kind: 'chunks'; readonly id: number; readonly sab: SharedArrayBuffer; readonly offset: number; readonly length: number; readonly job: ChunkJob }
  | { readonly kind: 'whole'; readonly id: number; readonly sab: SharedArrayBuffer; readonly offset: number; readonly length: number }
  | { readonly kind: 'digest'; readonly id: number };

/** A failure as sent between threads. */
export interface WireError {
  readonly message: string;
  readonly code?: string;
  readonly data?: unknown;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly kind: 'chunks'; readonly result: ChunkWorkResult }
  | { readonly id: number; readonly ok: true; readonly kind: 'whole'; readonly threadId: number }
  | { readonly id: number; readonly ok: true; readonly kind: 'digest'; readonly hex: string; readonly threadId: number }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

export function errorReply(id: number, err: unknown): WorkerReply {
  if (err instanceof ChunkingError) return { id, ok: false, error: { message: err.message, code: err.code, data: err.data } };
  return { id, ok: false, error: { message: err instanceof Error ? err.message : String(err) } };
}

/** The error a worker sent, as the class it was: a ChunkingError keeps its code and data. */
export function errorFromWire(e: WireError): Error {
  if (e.code !== undefined && Object.prototype.hasOwnProperty.call(CHUNKING_ERROR_CODES, e.code)) {
    // The code was a ChunkingError's on the other side, so its data has that code's shape.
    return new ChunkingError(e.code as ChunkingErrorCode, e.message, e.data as never);
  }
  return new Error(`import worker: ${e.message}`);
}
