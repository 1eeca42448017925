// The route table: the least role each admin-API route needs (security/roles.ts). A route missing
// here needs the admin token (fail closed); route-roles.spec.ts checks that every documented route
// that takes a bearer token is listed, so a new route is a decision, not an accident.
import type { AccessRole } from '../security/roles';

export const ROUTE_ROLES: Readonly<Record<string, AccessRole>> = {
  // Reading: the dashboard and the lists.
  'GET /api/v1/whoami': 'viewer',
  'GET /api/v1/status': 'viewer',
  'GET /api/v1/events': 'viewer',
  'GET /api/v1/refusals': 'viewer',
  'GET /api/v1/images': 'viewer',
  'GET /api/v1/images/:name': 'viewer',
  'GET /api/v1/imports': 'viewer',
  'GET /api/v1/sessions': 'viewer',
  'GET /api/v1/sessions/:id': 'viewer',
  'GET /api/v1/clients': 'viewer',
  'GET /api/v1/history': 'viewer',
  'GET /api/v1/machines': 'viewer',
  'GET /api/v1/machines/:name': 'viewer',
  'GET /api/v1/machines/:name/decision': 'viewer',
  'GET /api/v1/machine-history': 'viewer',
  'GET /api/v1/collections': 'viewer',
  'GET /api/v1/collections/:name': 'viewer',
  'GET /api/v1/deployments': 'viewer',
  'GET /api/v1/deployments/:name': 'viewer',
  // Running sessions and deployments, and the machine inventory they target.
  'POST /api/v1/sessions': 'operator',
  'DELETE /api/v1/sessions/:id': 'operator',
  'POST /api/v1/deployments': 'operator',
  'DELETE /api/v1/deployments/:name': 'operator',
  'POST /api/v1/deployments/:name/rerun': 'operator',
  'POST /api/v1/machines': 'operator',
  'POST /api/v1/machines/import': 'operator',
  'DELETE /api/v1/machines/:name': 'operator',
  'PATCH /api/v1/machines/:name': 'operator',
  'POST /api/v1/collections': 'operator',
  'DELETE /api/v1/collections/:name': 'operator',
  'PUT /api/v1/collections/:name/members/:machine': 'operator',
  'DELETE /api/v1/collections/:name/members/:machine': 'operator',
  // Images (they decide what lands on disks) stay with the admin.
  'POST /api/v1/images': 'admin',
  'PATCH /api/v1/images/:name': 'admin',
  'DELETE /api/v1/images/:name': 'admin',
  // A capture makes a new image: of the ladder only the admin may, like adding one; besides it the
  // capture token and a capture grant may (capture-auth.ts checks these routes, not requireRole).
  'POST /api/v1/captures': 'admin',
  'PUT /api/v1/captures/:name/chunks/:index': 'admin',
  'POST /api/v1/captures/:name/finish': 'admin',
  'DELETE /api/v1/captures/:name': 'admin',
};

/** The role a request needs, by its route as registered (HEAD is GET's). */
export function roleForRoute(method: string, url: string): AccessRole {
  return ROUTE_ROLES[`${method === 'HEAD' ? 'GET' : method} ${url}`] ?? 'admin';
}
