import { createEntityAudit } from '../audit/entity-audit.js';

/**
 * The audit writer for connectors, shared by CRUD, tests, OAuth, token refresh and usage.
 * The trigger names the connector on change events; credential-use and system events carry
 * their own `name` in the metadata.
 */
export const auditConnector = createEntityAudit('connector', () => ({}));
