/**
 * The benchmark's data: N tenants × M documents (default 1,000 × 100 = 100,000 rows), two members
 * per tenant as authors. Generated inside the database by generate_series — one INSERT … SELECT
 * per table — through the platform role: RLS is forced, so even the owner is held to the policies,
 * and tenantry_platform is the role whose policies admit every tenant.
 *
 * Ids are md5-derived, so every run has the same tenants and documents. Rows are inserted in
 * updated_at order, interleaved across tenants as a live system writes them, so one tenant's
 * documents are spread over the heap rather than packed on a few pages.
 */
export function datasetStatements(tenants: number, documentsPerTenant: number): string[] {
  const tenantId = (t: string) => `md5('tenant-' || ${t})::uuid`;
  const userId = (t: string, k: string) => `md5('user-' || ${t} || '-' || ${k})::uuid`;
  return [
    'begin',
    'set local role tenantry_platform',
    `insert into tenants (id, slug, name, status, plan)
       select ${tenantId('t')}, 'bench-' || lpad(t::text, 4, '0'), 'Bench tenant ' || t, 'active', 'free'
       from generate_series(1, ${tenants}) t`,
    `insert into users (id, email, name, password_hash)
       select ${userId('t', 'k')}, 'member' || k || '-' || t || '@bench.test', 'Member ' || k || ' of tenant ' || t,
              'not-a-password-hash'
       from generate_series(1, ${tenants}) t, generate_series(1, 2) k`,
    `insert into memberships (tenant_id, user_id, role)
       select ${tenantId('t')}, ${userId('t', 'k')}, case when k = 1 then 'owner' else 'member' end
       from generate_series(1, ${tenants}) t, generate_series(1, 2) k`,
    // title ≈ 33 chars, body 512 chars, updated_at spread over a year; every tenth document has no author.
    `insert into documents (id, tenant_id, author_id, title, body, created_at, updated_at)
       select md5('document-' || t || '-' || d)::uuid, ${tenantId('t')},
              case when d % 10 = 0 then null else ${userId('t', '(1 + d % 2)')} end,
              'Document ' || lpad(d::text, 3, '0') || ' of bench tenant ' || lpad(t::text, 4, '0'),
              repeat(md5(t || ':' || d), 16),
              ts - interval '30 days', ts
       from generate_series(1, ${tenants}) t, generate_series(1, ${documentsPerTenant}) d,
            lateral (select timestamptz '2026-11-01 00:00:00+00'
                            - ((t * 7919 + d * 104729) % 31536000) * interval '1 second' as ts) x
       order by ts`,
    'commit',
    // VACUUM sets hint bits and the visibility map, ANALYZE gives the planner real statistics:
    // without them the first measured queries pay for the load, not for the policy.
    'vacuum analyze tenants, users, memberships, documents',
  ];
}

/** The benchmark's tenants, in slug order (read through the platform role). */
export const tenantIdsSql = `select id from tenants where slug like 'bench-%' order by slug`;
