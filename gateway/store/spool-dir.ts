import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A directory of files waiting for the store (traffic-log batches, held outcomes): each written
 * whole to a hidden temporary name and flushed, then renamed, so a crash or a full disk never
 * leaves half a file under a name that is replayed. Names sort in the order they were written.
 */
export class SpoolDir {
  readonly path: string;
  private readonly extension: string;
  private seq = 0;

  constructor(path: string, extension: string) {
    this.path = path;
    this.extension = extension;
    mkdirSync(path, { recursive: true });
  }

  /** Writes `content` as a new file and returns its name; throws when the disk refuses it. */
  write(content: string): string {
    const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${(this.seq++).toString().padStart(6, '0')}${this.extension}`;
    const temporary = join(this.path, `.${name}.tmp`);
    const writeWhole = () => {
      try {
        writeFileSync(temporary, content, { flush: true, mode: 0o600 });
        renameSync(temporary, join(this.path, name));
      } catch (error) {
        removeQuietly(temporary); // a half file would only take space
        throw error;
      }
    };
    try {
      writeWhole();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The directory itself was removed (a hand clean-up, a data dir remounted): made again.
      mkdirSync(this.path, { recursive: true });
      writeWhole();
    }
    return name;
  }

  /** Why the disk refuses a small file written and removed again; undefined when it takes it. */
  probe(): Error | undefined {
    const probe = join(this.path, '.probe');
    try {
      writeFileSync(probe, 'probe', { flush: true });
      rmSync(probe);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  /** The files waiting, oldest first (none when the directory cannot be read). */
  files(): string[] {
    try {
      return readdirSync(this.path).filter((file) => file.endsWith(this.extension)).sort();
    } catch {
      return [];
    }
  }

  read(file: string): string {
    return readFileSync(join(this.path, file), 'utf8');
  }

  remove(file: string): void {
    unlinkSync(join(this.path, file));
  }

  /**
   * Renames a file that cannot be read or written to the store out of the replay (kept for ops,
   * not retried), so it no longer holds up the files behind it. Returns its new name.
   */
  setAside(file: string, why: 'unreadable' | 'refused'): string {
    renameSync(join(this.path, file), join(this.path, `${file}.${why}`));
    return `${file}.${why}`;
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Under a broken directory there is nothing to remove either.
  }
}
