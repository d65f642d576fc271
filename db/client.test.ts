import { neonConfig } from '@neondatabase/serverless';
import { describe, expect, it } from 'vitest';
import { configureNeon, openDatabase } from './client';

describe('openDatabase', () => {
  it('builds node-postgres and Neon pools lazily (no connection until the first query)', async () => {
    const pgHandle = await openDatabase({ driver: 'pg', url: 'postgres://app@127.0.0.1:9/none' });
    expect(pgHandle.driver).toBe('pg');
    await pgHandle.close();
    const neonHandle = await openDatabase({
      driver: 'neon',
      url: 'postgres://app@127.0.0.1:9/none',
      wsProxy: '127.0.0.1:1',
    });
    expect(neonHandle.driver).toBe('neon');
    await neonHandle.close();
  });

  it('points Neon’s driver at a local WebSocket proxy when one is configured', () => {
    configureNeon('127.0.0.1:4444');
    expect(neonConfig.useSecureWebSocket).toBe(false);
    expect(neonConfig.pipelineConnect).toBe(false);
    const proxy = neonConfig.wsProxy as (host: string, port: number | string) => string;
    expect(proxy('db.internal', 5432)).toBe('127.0.0.1:4444/v2?address=db.internal:5432');
  });
});
