/**
 * What the service and its command-line tools write is for their own user alone: directories 0700,
 * files 0600. The umask covers whichever module creates the data directory first, the keys, and the
 * SQLite files with the -wal and -shm that SQLite creates by itself; files that exist already keep
 * their modes (the README says how to tighten those of an older data directory).
 */
export function keepNewFilesPrivate(): void {
  process.umask(0o077);
}
