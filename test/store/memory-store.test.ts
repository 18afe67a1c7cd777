import { describe } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { traceStoreContract } from './trace-store-contract.ts';

describe('MemoryStore', () => {
  traceStoreContract(async () => new MemoryStore());
});
