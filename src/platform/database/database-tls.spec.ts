import { validateDatabaseEnvironment } from '../config/validate-environment';
import { databaseTls, explainDatabaseTlsFailure } from './database-tls';

const env = (extra: Record<string, string> = {}) => validateDatabaseEnvironment({ DB_HOST: 'db.example', DB_PORT: '3306', ...extra });
const driverError = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? '')), fields);

describe('MySQL TLS settings', () => {
  it('is off by default, on with DB_TLS or any DB_TLS_*_FILE, and always verifies the server', () => {
    expect(databaseTls(env())).toBeUndefined();
    expect(databaseTls(env({ DB_TLS: 'true' }))).toEqual({ rejectUnauthorized: true, verifyIdentity: true });
    expect(databaseTls(env({ DB_TLS_CA_FILE: __filename }))).toMatchObject({ ca: expect.any(Buffer) as Buffer, rejectUnauthorized: true });
    expect(() => databaseTls(env({ DB_TLS_CA_FILE: '/no/such/ca.pem' }))).toThrow('DB_TLS_CA_FILE: cannot read /no/such/ca.pem (ENOENT)');
  });

  it('names the setting to change for each TLS mismatch, and leaves every other failure to the retries', async () => {
    const tls = env({ DB_TLS: 'true' });
    await expect(
      explainDatabaseTlsFailure(driverError({ code: 'ER_SECURE_TRANSPORT_REQUIRED', errno: 3159 }), env()),
    ).resolves.toMatchObject({
      message: 'DB_TLS: MySQL at db.example:3306 accepts TLS connections only: set DB_TLS=true (and DB_TLS_CA_FILE for a private CA)',
    });
    await expect(explainDatabaseTlsFailure(driverError({ code: 'HANDSHAKE_NO_SSL_SUPPORT' }), tls)).resolves.toMatchObject({
      message: expect.stringMatching(/^DB_TLS: MySQL at db.example:3306 does not offer TLS/) as string,
    });
    const untrusted = driverError({ code: 'HANDSHAKE_SSL_ERROR', message: 'self-signed certificate in certificate chain' });
    await expect(explainDatabaseTlsFailure(untrusted, tls)).resolves.toMatchObject({
      message: expect.stringMatching(
        /^DB_TLS_CA_FILE: the TLS certificate of MySQL at db.example:3306 is not trusted \(self-signed/,
      ) as string,
    });
    const wrongHost = driverError({ code: 'HANDSHAKE_SSL_ERROR', message: "Hostname/IP does not match certificate's altnames" });
    await expect(explainDatabaseTlsFailure(wrongHost, tls)).resolves.toMatchObject({
      message: expect.stringMatching(/^DB_HOST: /) as string,
    });
    await expect(explainDatabaseTlsFailure(driverError({ code: 'ECONNREFUSED' }), env())).resolves.toBeUndefined();
    // Access denied with TLS already on is a wrong password, not a TLS question (no second login is tried).
    await expect(explainDatabaseTlsFailure(driverError({ code: 'ER_ACCESS_DENIED_ERROR' }), tls)).resolves.toBeUndefined();
  });
});
