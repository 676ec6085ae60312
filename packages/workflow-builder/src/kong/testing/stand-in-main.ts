import { parseArgs } from 'node:util';
import { startKongStandIn } from './stand-in.js';

/** `pnpm kong:stand-in --port 8001 [--dbless] [--base-path /prefix] [--token secret]`: the stand-in on its own. */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8001' },
    host: { type: 'string', default: '127.0.0.1' },
    dbless: { type: 'boolean', default: false },
    'base-path': { type: 'string' },
    token: { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a port number, got ${values.port}\n`);
  process.exit(2);
}

const standIn = await startKongStandIn({
  port,
  host: values.host,
  dbless: values.dbless,
  basePath: values['base-path'],
  requiredHeaders: values.token ? { 'kong-admin-token': values.token } : undefined,
});
process.stdout.write(`Kong stand-in (${standIn.dbless ? 'DB-less' : 'DB'} mode) listening on ${standIn.url}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    standIn.close().then(() => process.exit(0));
  });
}
