import { ConfigError } from '../errors/config-error.ts';
import { type CosmosConfig, cosmosConfigFromEnv } from '../store/cosmos-config.ts';

/** The container of the failure ledger when COSMOS_CONTAINER_FAILURES is not set. */
export const DEFAULT_FAILURES_CONTAINER = 'failures';

const REQUIRED = ['COSMOS_ENDPOINT', 'COSMOS_DATABASE'] as const;

/**
 * The Cosmos configuration of the failure ledger: the trace store's (same account, database,
 * key or Entra ID, CA file, discovery and 429 bounds), with the container COSMOS_CONTAINER_FAILURES
 * names (default "failures"). A missing variable or a bad value is a ConfigError naming it.
 */
export function cosmosLedgerConfigFromEnv(env: NodeJS.ProcessEnv): CosmosConfig {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new ConfigError({
      message: `the cosmos failure ledger needs ${missing.join(', ')} in the environment (see .env.example); COSMOS_CONTAINER_FAILURES defaults to "${DEFAULT_FAILURES_CONTAINER}", and COSMOS_KEY is optional (without it, Microsoft Entra ID is used)`,
    });
  }
  const container = env.COSMOS_CONTAINER_FAILURES || DEFAULT_FAILURES_CONTAINER;
  // The trace store's reader parses and checks every other variable; the ledger does not need
  // COSMOS_CONTAINER_TRACES, so the failures container stands in for it.
  return { ...cosmosConfigFromEnv({ ...env, COSMOS_CONTAINER_TRACES: container }), container };
}
