import { PGlite, type Extensions } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * Every embedded database is opened here, with the extensions the migrations expect
 * (pg_trgm backs the operator console's search), so the app, the tests and the bench agree.
 * No directory → in memory.
 */
export function createPglite(dataDir?: string, extensions: Extensions = {}): Promise<PGlite> {
  return PGlite.create(dataDir, { extensions: { pg_trgm, ...extensions } });
}
