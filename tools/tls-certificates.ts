import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throw-away CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by it. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A second CA that signed none of these: trusting it instead is the "wrong CA" case. */
  otherCaFile: string;
  remove(): Promise<void>;
}

/** Made with openssl for the TLS drills (test/deploy/tls.e2e-spec.ts); valid for two days, never written outside a temp dir. */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'seatguard-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { timeout: 30_000 });
  const newCa = (name: string, cn: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
    );
  const signed = async (name: string, cn: string, extensions: string) => {
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    );
    await writeFile(file(`${name}.ext`), `${extensions}\n`);
    await openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
    );
  };
  try {
    await newCa('ca', 'seatguard throw-away test CA');
    await newCa('other-ca', 'another throw-away CA');
    await signed('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
    await signed('client', 'seatguard', 'extendedKeyUsage=clientAuth');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    otherCaFile: file('other-ca.crt'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
