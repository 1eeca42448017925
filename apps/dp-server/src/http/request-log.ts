// Fastify's per-request log lines ("incoming request", "request completed"), quieter for the agent
// routes that every agent calls about once a second: at 200 agents their two info lines per
// progress post made 400 lines/s and drowned everything else in the journal. Those requests log
// at debug (CASTPOINT_LOG_LEVEL=debug shows them); a refused one (4xx/5xx) still logs at info.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Routes (as registered) whose successful requests are logged at debug level. */
export const QUIET_ROUTES: ReadonlySet<string> = new Set(['POST /api/v1/agent/progress']);

function isQuiet(req: FastifyRequest): boolean {
  return QUIET_ROUTES.has(`${req.method} ${req.routeOptions.url ?? ''}`);
}

export class DpLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (isQuiet(request)) request.log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!error && reply.statusCode < 400 && isQuiet(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else super.requestCompleted(error, request, reply);
  }
}
