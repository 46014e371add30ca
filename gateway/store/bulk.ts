/** Writing many rows in one PostgreSQL statement. */

/** A column written in bulk: its name and its PostgreSQL type. */
export interface BulkColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * One `insert ... select * from unnest($1::type[], ...)`: every column travels as one array
 * parameter, so a batch of any size is one statement with a fixed text (planned once).
 * `suffix` is appended as is (`on conflict ... do nothing`).
 */
export function unnestInsert(table: string, columns: readonly BulkColumn[], suffix = ''): string {
  return `insert into ${table} (${columns.map(({ name }) => name).join(', ')})
  select * from unnest(${columns.map(({ type }, i) => `$${i + 1}::${type}[]`).join(', ')}) ${suffix}`.trimEnd();
}

/** Row-major values to the column arrays `unnestInsert` takes. */
export function columnArrays(columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): unknown[][] {
  return columns.map((_, i) => rows.map((row) => row[i] ?? null));
}
