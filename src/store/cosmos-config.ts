import { ConfigError } from '../errors/config-error.ts';

/** What the Cosmos DB store is configured from (the variables in .env.example). */
export interface CosmosConfig {
  endpoint: string;
  /** The account key; without it, Microsoft Entra ID through DefaultAzureCredential. */
  key: string | undefined;
  database: string;
  container: string;
  /** A PEM file to trust for TLS (an emulator's certificate), for this client only. */
  caCertPath: string | undefined;
  /** Follow the regional endpoints the account advertises; off for loopback emulators. */
  endpointDiscovery: boolean;
  /** How many times the SDK retries a 429 before giving up. */
  maxRetries: number;
  /** The longest the SDK waits across those retries. */
  maxWaitSeconds: number;
}

const REQUIRED = ['COSMOS_ENDPOINT', 'COSMOS_DATABASE', 'COSMOS_CONTAINER_TRACES'] as const;

/** Reads the Cosmos configuration; a missing variable or a bad value is a ConfigError naming it. */
export function cosmosConfigFromEnv(env: NodeJS.ProcessEnv): CosmosConfig {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError({
      message: `--store cosmos needs ${missing.join(', ')} in the environment (see .env.example); COSMOS_KEY is optional (without it, Microsoft Entra ID is used)`,
    });
  }
  const endpoint = env.COSMOS_ENDPOINT!;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError({
      message: `COSMOS_ENDPOINT "${endpoint}" is not a URL; expected e.g. https://<account>.documents.azure.com:443/`,
    });
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return {
    endpoint,
    key: env.COSMOS_KEY || undefined,
    database: env.COSMOS_DATABASE!,
    container: env.COSMOS_CONTAINER_TRACES!,
    caCertPath: env.COSMOS_CA_CERT || undefined,
    endpointDiscovery: env.COSMOS_ENDPOINT_DISCOVERY
      ? parseBool(env.COSMOS_ENDPOINT_DISCOVERY, 'COSMOS_ENDPOINT_DISCOVERY')
      : !loopback,
    maxRetries: parseCount(env.COSMOS_MAX_RETRIES, 'COSMOS_MAX_RETRIES', 9),
    maxWaitSeconds: parseCount(env.COSMOS_MAX_RETRY_WAIT_SECONDS, 'COSMOS_MAX_RETRY_WAIT_SECONDS', 30),
  };
}

function parseBool(value: string, name: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError({ message: `${name} must be true or false, got "${value}"` });
}

function parseCount(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError({ message: `${name} must be a whole number, got "${value}"` });
  return Number(value);
}
