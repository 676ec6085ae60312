import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';

/**
 * The floor of any HTTP → Temporal gateway process, for bench:gateway: node:http and the same
 * @temporalio/client query, with no framework, key, limits, validation, metrics or logging.
 * `POST /query/<workflowId>/<queryName>` with a JSON body answers `{ result }`. What the real
 * gateway adds beyond this process is its own work; what this adds over a direct client is
 * the price of a second process on the path (a hop, a wake-up, HTTP).
 */
const address = process.env.TEMPORAL_ADDRESS;
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
if (!address) throw new Error('TEMPORAL_ADDRESS is required');

const connection = await Connection.connect({ address, interceptors: [] });
const client = new Client({ connection, namespace });

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const [, verb, workflowId, queryName] = (request.url ?? '').split('/');
    if (verb !== 'query' || !workflowId || !queryName) {
      response.writeHead(404).end();
      return;
    }
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    client.workflow
      .getHandle(decodeURIComponent(workflowId))
      .query<unknown, [unknown]>(queryName, body)
      .then(
        (result) => {
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result }));
        },
        (error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' }).end(String(error));
        },
      );
  });
});
server.listen(0, '127.0.0.1', () => {
  const bound = server.address();
  if (bound && typeof bound === 'object') process.stdout.write(`listening at http://127.0.0.1:${bound.port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void connection.close().then(() => process.exit(0));
});
