import type { HttpMethod, ServiceInterfaceType, WorkflowIdMode } from '@wfb/core/db/schema.services.js';
import { AppError } from '@wfb/core/errors.js';
import { type PathTemplate, parsePathTemplate } from './route-path.js';

/**
 * What makes a method + path a sound way to publish an interface. A query is read-only, so
 * GET (input from the query string) or POST (input as a JSON body); everything that changes
 * a workflow must not be GET. Path parameters exist only to name the workflow: a service
 * with a fixed id takes none, one keyed by a path parameter needs exactly that one (a start
 * may leave it out and take its id from Idempotency-Key or generate one).
 */
const methodsByType: Record<ServiceInterfaceType, readonly HttpMethod[]> = {
  query: ['GET', 'POST'],
  signal: ['POST', 'PUT', 'PATCH', 'DELETE'],
  update: ['POST', 'PUT', 'PATCH', 'DELETE'],
  start: ['POST', 'PUT'],
};

export interface RouteOwner {
  type: ServiceInterfaceType;
  workflowIdMode: WorkflowIdMode;
  workflowIdParam: string | null;
}

function refuse(field: 'method' | 'path', reason: string): never {
  throw new AppError('BAD_REQUEST', reason, { details: { field, reason } });
}

export function checkRoute(owner: RouteOwner, method: HttpMethod, path: string): PathTemplate {
  const allowed = methodsByType[owner.type];
  if (!allowed.includes(method))
    refuse('method', `a ${owner.type} interface is published with ${allowed.join(' or ')}`);
  const parsed = parsePathTemplate(path);
  if (!parsed.ok) refuse('path', parsed.reason);
  const { params } = parsed.template;
  if (owner.workflowIdMode === 'fixed') {
    if (params.length > 0) refuse('path', 'this service has a fixed workflow id, so its paths take no {parameters}');
    return parsed.template;
  }
  const idParam = owner.workflowIdParam ?? '';
  const stray = params.filter((param) => param !== idParam);
  if (stray.length > 0) {
    refuse('path', `unknown path parameter {${stray[0]}}: this service finds its workflow by {${idParam}}`);
  }
  if (owner.type !== 'start' && !params.includes(idParam)) {
    refuse('path', `the path must contain {${idParam}}, the parameter that names the workflow`);
  }
  return parsed.template;
}

export function publicUrl(baseUrl: string, routeHash: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v1/${routeHash}${path === '/' ? '' : path}`;
}
