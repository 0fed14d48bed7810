/** The same server, another database. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Test databases of one run share a prefix derived from the run's template database. */
export function testDatabasePrefix(template: string): string {
  return `rm_t${template.replace(/^rm_template_/, '')}_`;
}

/** The maintenance database of TEST_DATABASE_URL's server, for CREATE/DROP DATABASE. */
export function adminUrl(url: string): string {
  return databaseUrl(url, 'postgres');
}
