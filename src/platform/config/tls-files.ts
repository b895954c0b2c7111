import { readFileSync } from 'node:fs';

/** PEM contents for a TLS client: the CA that signed the server's certificate, and an optional client certificate and key. */
export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * Reads the PEM files the settings name (`{ ca: ['REDIS_TLS_CA_FILE', path] }`),
 * once, at start-up: a file that cannot be read stops the start with an error
 * naming its setting, rather than every connection failing later.
 */
export function readTlsFiles(settings: Partial<Record<keyof TlsFiles, [setting: string, path: string | undefined]>>): TlsFiles {
  const files: TlsFiles = {};
  for (const [part, [setting, path]] of Object.entries(settings) as [keyof TlsFiles, [string, string | undefined]][]) {
    if (!path) continue;
    try {
      files[part] = readFileSync(path);
    } catch (error) {
      throw new Error(`${setting}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
        cause: error,
      });
    }
  }
  return files;
}
