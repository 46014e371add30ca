import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';

/**
 * A credential value that cannot leak by accident: printing, logging or serialising it shows
 * `[redacted]`. Only `reveal()` gives the value, at the point where it goes on the wire.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

export class MissingCredential extends Error {
  override name = 'MissingCredential';
}

/**
 * Credentials of one upstream, configured as references (`env:BKN_CLIENT_SECRET` or
 * `file:/run/secrets/bkn/client-secret`), never as values. They are read at each use, so a
 * rotated secret file is picked up at the next token refresh without a restart.
 */
export class Credentials {
  readonly #references: Readonly<Record<string, string>>;
  readonly #env: NodeJS.ProcessEnv;
  readonly upstream: string;

  constructor(upstream: string, references: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env) {
    this.upstream = upstream;
    this.#references = references;
    this.#env = env;
  }

  has(name: string): boolean {
    return name in this.#references;
  }

  /** The names among `names` that have no reference configured. */
  missing(names: readonly string[]): string[] {
    return names.filter((name) => !this.has(name));
  }

  async get(name: string): Promise<Secret> {
    const reference = this.#references[name];
    if (!reference) throw new MissingCredential(`credential ${name} of upstream ${this.upstream} is not configured (upstreams.${this.upstream}.credentials.${name})`);
    if (reference.startsWith('env:')) {
      const variable = reference.slice(4);
      const value = this.#env[variable];
      if (value === undefined || value === '') throw new MissingCredential(`environment variable ${variable} (credential ${name} of upstream ${this.upstream}) is not set`);
      return new Secret(value);
    }
    const file = reference.slice(5);
    try {
      return new Secret((await readFile(file, 'utf8')).trim());
    } catch (error) {
      throw new MissingCredential(`secret file for credential ${name} of upstream ${this.upstream} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}
