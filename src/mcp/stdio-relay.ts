// The command an agent's MCP client spawns for a stdio server (ctx.mcp[name].command/args): it
// joins its stdin and stdout to the lab's proxy over a loopback socket and nothing else, so every
// message goes through the proxy (docs/chaos-mcp.md). Plain Node, no imports of the lab: it starts
// in the time Node takes to start. Arguments: <port> <token> <server name> [fail-start].
// With fail-start (the scenario asked that the server not start, docs/chaos-mcp.md) it tells the
// proxy it was started, waits until the proxy has noted it, and exits 1, as a server that cannot
// start does; it reads nothing and writes nothing. It never writes to stderr once started: a client
// that spawns it may pass its stderr through (the Agents SDK's does), and inline that is the lab's.
import { connect } from 'node:net';

const [port, token, server, mode] = process.argv.slice(2);
if (!port || !token || !server) {
  process.stderr.write('usage: stdio-relay <port> <token> <server> [fail-start]\n');
  process.exit(2);
}
const socket = connect({ host: '127.0.0.1', port: Number(port), noDelay: true });
socket.write(`${token} ${server}\n`);
if (mode === 'fail-start') {
  const fail = () => process.exit(1);
  socket.on('error', fail);
  socket.on('close', fail);
  socket.resume();
} else {
  relay();
}

function relay() {
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
  // The proxy is gone (the run ended): the "server" fails, as one whose pipe broke does.
  socket.on('error', () => process.exit(1));
  // The proxy closed the connection (the server went away, or a disconnect fault): the "server" exits.
  socket.on('close', () => process.exit(0));
  process.stdin.on('end', () => socket.end());
}
