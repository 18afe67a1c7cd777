import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@vercel/cosmosdb-server';

/** The Cosmos emulator's published well-known key; the test server accepts any key. */
export const EMULATOR_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

/** Starts @vercel/cosmosdb-server over http on loopback. */
export async function startCosmos(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Environment for the cosmos store against an endpoint, with a container of its own. */
export function cosmosEnv(endpoint: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    COSMOS_ENDPOINT: endpoint,
    COSMOS_KEY: EMULATOR_KEY,
    COSMOS_DATABASE: 'lab',
    COSMOS_CONTAINER_TRACES: `traces-${randomUUID().slice(0, 8)}`,
    ...extra,
  };
}
