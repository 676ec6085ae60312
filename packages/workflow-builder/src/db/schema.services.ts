/** Tables of the services area (workflows, service_interfaces, public_interfaces …); see its migration. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the services migration's types
export interface ServiceTables {}
