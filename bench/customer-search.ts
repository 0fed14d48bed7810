/**
 * `node --import tsx bench/customer-search.ts` (issue 8): GET /api/admin/customers's query on
 * BENCH_CUSTOMERS (200,000) customers, run as an operator under RLS, on PGlite and PostgreSQL,
 * beside a baseline measured in the same run: the same search written with lower(…) LIKE 'q%'
 * (which, under RLS, cannot use an index: lower() and LIKE are not leakproof). Prints the median (ms)
 * of BENCH_ROUNDS (20) runs of each query (page of 25 and its total), and the ratio.
 */
import { performance } from 'node:perf_hooks';
import { searchCustomers } from '../src/customers/repository.js';
import type { Caller, Database, Queryable } from '../src/db/index.js';
import { cleanUp, envInt, formatMs, guardProcess, onEachEngine, printTable } from './lib.js';

const CUSTOMERS = envInt('BENCH_CUSTOMERS', 200_000, 1_000, 2_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 20, 1, 1_000);
const QUERIES = ['sarah name12', 'name1234', 'c12345@', '5550012', 'zz-nobody'];

async function seed(db: Database): Promise<Caller> {
  await db.query(
    `insert into auth.users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, aud, role, email_confirmed_at)
     select gen_random_uuid(), 'c' || g || '@example.com', 'x',
            jsonb_build_object('full_name', (array['Sarah', 'Sam', 'John', 'Maria', 'Li', 'Ana'])[1 + g % 6] || ' Name' || g,
                               'phone', '555' || lpad(g::text, 7, '0')),
            '{}', 'authenticated', 'authenticated', now()
       from generate_series(1, $1::int) g`,
    [CUSTOMERS],
  );
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, aud, role, email_confirmed_at)
     values (gen_random_uuid(), 'operator@example.com', 'x', '{}', '{}', 'authenticated', 'authenticated', now()) returning id`,
  );
  await db.query("insert into public.admins (email, role) values ('operator@example.com', 'operator')");
  await db.query('analyze');
  return { role: 'authenticated', claims: { sub: rows[0]!.id, role: 'authenticated', email: 'operator@example.com' } };
}

/** The baseline: the obvious lower()/LIKE version of the same search. */
async function baseline(tx: Queryable, q: string): Promise<number> {
  const where = `lower(p.full_name) like $1 || '%' or lower(p.email) like $1 || '%'
    or regexp_replace(coalesce(p.phone, ''), '[^0-9]', '', 'g') like regexp_replace($1, '[^0-9]', '', 'g') || '%'`;
  const { rows } = await tx.query(`select p.id from public.profiles p where ${where} order by lower(p.full_name), p.id limit 25`, [q]);
  await tx.query(`select count(*) from public.profiles p where ${where}`, [q]);
  return rows.length;
}

async function median(db: Database, caller: Caller, fn: (tx: Queryable) => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const started = performance.now();
    await db.asCaller(caller, fn);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function main(): Promise<void> {
  guardProcess(1_800);
  try {
    await onEachEngine(
      { prefix: 'rm_bench_customers', poolSize: 2 },
      async (_engine, label, db) => {
        const started = performance.now();
        const operator = await seed(db);
        console.log(`${CUSTOMERS} customers seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        const rows: string[][] = [];
        for (const q of QUERIES) {
          const indexed = await median(db, operator, (tx) => searchCustomers(tx, q, 25, 0));
          const plain = await median(db, operator, (tx) => baseline(tx, q));
          rows.push([q, formatMs(indexed), formatMs(plain), `${(plain / indexed).toFixed(1)}×`]);
        }
        return { label, rows };
      },
      ({ label, rows }) => {
        console.log(`\n${label}: median of ${ROUNDS}, page of 25 + total, as an operator under RLS`);
        printTable(['q', 'indexed search', 'lower() LIKE baseline', 'baseline / indexed'], rows);
      },
    );
  } finally {
    await cleanUp();
  }
}

await main();
