import { ConfigError } from '../errors/config-error.ts';
import type { ModelEndpoint, ModelSession } from './model-endpoint.ts';

/** A real OpenAI-compatible endpoint from OPENAI_BASE_URL / OPENAI_API_KEY; scripts and faults do not apply. */
export class LiveEndpoint implements ModelEndpoint {
  readonly mode = 'live' as const;
  readonly #baseURL: string;
  readonly #apiKey: string;
  readonly #model: string;

  constructor(env: NodeJS.ProcessEnv) {
    const missing = ['OPENAI_BASE_URL', 'OPENAI_API_KEY'].filter((name) => !env[name]);
    if (missing.length > 0) {
      throw new ConfigError({ message: `--live needs ${missing.join(' and ')} in the environment (see .env.example)` });
    }
    this.#baseURL = env.OPENAI_BASE_URL!;
    this.#apiKey = env.OPENAI_API_KEY!;
    this.#model = env.OPENAI_MODEL || 'gpt-4o-mini';
  }

  open(): ModelSession {
    return { baseURL: this.#baseURL, apiKey: this.#apiKey, model: this.#model, labFaults: () => [], close: () => {} };
  }
}
