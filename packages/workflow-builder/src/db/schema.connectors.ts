/** Tables of the connectors area (connectors, oauth_states …); see its migration. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the connectors migration's types
export interface ConnectorTables {}
