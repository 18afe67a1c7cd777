// The command an agent's MCP client spawns for a stdio server (ctx.mcp[name].command/args): it
// joins its stdin and stdout to the lab's proxy over a loopback socket and nothing else, so every
// message goes through the proxy (docs/chaos-mcp.md). Plain Node, no imports of the lab: it starts
// in the time Node takes to start. Arguments: <port> <token> <server name>.
import { connect } from 'node:net';

const [port, token, server] = process.argv.slice(2);
if (!port || !token || !server) {
  process.stderr.write('usage: stdio-relay <port> <token> <server>\n');
  process.exit(2);
}
const socket = connect({ host: '127.0.0.1', port: Number(port), noDelay: true });
socket.write(`${token} ${server}\n`);
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('error', (error) => {
  process.stderr.write(`lab MCP relay: ${error.message}\n`);
  process.exit(1);
});
// The proxy closed the connection (the server went away, or a disconnect fault): the "server" exits.
socket.on('close', () => process.exit(0));
process.stdin.on('end', () => socket.end());
