// A Cosmos-protocol server (@vercel/cosmosdb-server) in a process of its own, on loopback, for
// the scale benchmark: its memory and its CPU are not the capture's. Prints its endpoint.
import { startCosmos } from '../../test/helpers/cosmos-server.ts';

const cosmos = await startCosmos();
console.log(cosmos.endpoint);
process.on('SIGTERM', () => void cosmos.close().then(() => process.exit(0)));
