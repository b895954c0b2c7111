/** Long enough that guessing is hopeless: `npm run up` generates 32 characters. */
const PRODUCTION_ADMIN_TOKEN_MIN_LENGTH = 32;

// Words that mark a value copied from documentation or an example file, not generated.
const PLACEHOLDER_WORDS = /change[^a-z0-9]?me|placeholder|example|secret|admin|replace|password|your[^a-z0-9]?token/i;
// A generated token of 32+ characters has many distinct characters; "aaaa…" or "abab…" does not.
const MIN_DISTINCT_CHARACTERS = 8;

/**
 * Why `token` must not guard the admin routes of a production deployment, or
 * null when it may. Never repeats the token: the message ends up in logs.
 */
export function productionAdminTokenProblem(token: string | undefined): string | null {
  if (token === undefined || token === '') return 'required when NODE_ENV=production';
  if (token.length < PRODUCTION_ADMIN_TOKEN_MIN_LENGTH) {
    return `must be at least ${PRODUCTION_ADMIN_TOKEN_MIN_LENGTH} characters when NODE_ENV=production`;
  }
  if (PLACEHOLDER_WORDS.test(token))
    return 'looks like a placeholder (refused when NODE_ENV=production); generate one, e.g. `openssl rand -base64 32`';
  if (new Set(token).size < MIN_DISTINCT_CHARACTERS)
    return 'has too few different characters to be a generated token (refused when NODE_ENV=production)';
  return null;
}
