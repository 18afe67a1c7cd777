// The lab's own MCP server (docs/chaos-mcp.md): a small weather service on the official MCP SDK,
// which the MCP subjects use and the MCP tests and benchmark call. Deterministic: a fixed table.
//
//   node examples/mcp-weather-server/server.ts            serves stdio
//   node examples/mcp-weather-server/server.ts --http 0   serves Streamable HTTP on 127.0.0.1 (0: any free
//                                                         port) and prints its URL on stdout
//   node examples/mcp-weather-server/server.ts --fail     writes to stderr and exits 3 before serving (a
//                                                         server that cannot start)
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** The forecasts the server knows, by city (lowercase). */
const FORECASTS: Record<string, { high_c: number; low_c: number; summary: string }> = {
  paris: { high_c: 18, low_c: 9, summary: 'light rain' },
  oslo: { high_c: 7, low_c: -1, summary: 'snow showers' },
  lima: { high_c: 24, low_c: 17, summary: 'overcast' },
};

/** A new MCP server with the weather tools (one per connection: an McpServer serves one transport). */
export function createWeatherServer(): McpServer {
  const server = new McpServer({ name: 'lab-weather', version: '1.0.0' });
  server.registerTool(
    'get_forecast',
    {
      description: "Tomorrow's forecast for a city: high and low in °C and a summary.",
      inputSchema: { city: z.string().min(1).describe('A city name, e.g. Paris') },
    },
    async ({ city }) => {
      const forecast = FORECASTS[city.toLowerCase()];
      if (!forecast) return { content: [{ type: 'text', text: `no forecast for ${city}` }], isError: true };
      return { content: [{ type: 'text', text: JSON.stringify({ city, ...forecast }) }] };
    },
  );
  server.registerTool('list_cities', { description: 'The cities the service has forecasts for.' }, async () => ({
    content: [{ type: 'text', text: JSON.stringify(Object.keys(FORECASTS)) }],
  }));
  return server;
}

/** Serves the weather tools over Streamable HTTP on 127.0.0.1 (stateful: one McpServer per session). */
export async function serveWeatherHttp(port = 0): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer(async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      if (typeof id === 'string') {
        res.writeHead(404).end();
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, transport!),
        onsessionclosed: (sid) => void sessions.delete(sid),
      });
      await createWeatherServer().connect(transport);
    }
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/mcp`;
  return {
    url,
    server: http,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  if (args.includes('--fail')) {
    process.stderr.write('lab-weather: cannot open the forecast table (started with --fail)\n');
    process.exit(3);
  }
  const http = args.indexOf('--http');
  if (http >= 0) {
    const { url } = await serveWeatherHttp(Number(args[http + 1] ?? 0));
    process.stdout.write(`${url}\n`);
  } else {
    await createWeatherServer().connect(new StdioServerTransport());
  }
}
