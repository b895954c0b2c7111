import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PackageInfo {
  version: string;
  license: string;
}

/**
 * The project's package.json, found by walking up from this file: the same
 * answer from src/ (tests), dist/src/ (`npm run openapi`) and the image's
 * /app/dist/src/ (the Dockerfile copies package.json to /app).
 */
export function packageInfo(from: string = __dirname): PackageInfo {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as Partial<PackageInfo> & { name?: string };
      if (parsed.name === 'seatguard' && parsed.version && parsed.license) return { version: parsed.version, license: parsed.license };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of seatguard above ${from}`);
  }
}
