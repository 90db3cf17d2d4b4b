// The sandbox as users' tools meet Dropbox: HTTPS under Dropbox's real host names.
// A throwaway CA (openssl CLI) signs one certificate for those names, the sandbox serves
// it, and a small CONNECT proxy sends every tunnel to the sandbox's TLS port whatever
// host it names. Tools reach it through their proxy setting (rclone: HTTPS_PROXY) and
// trust the CA through their CA setting (Go: SSL_CERT_FILE, Node: NODE_EXTRA_CA_CERTS),
// so nothing on the system (/etc/hosts, the trust store) changes.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';

export const DROPBOX_HOSTS = [
  'api.dropboxapi.com',
  'content.dropboxapi.com',
  'notify.dropboxapi.com',
  'www.dropbox.com',
  'dropbox.com',
];

export interface FrontCert {
  /** PEM file of the throwaway CA, for SSL_CERT_FILE / NODE_EXTRA_CA_CERTS. */
  caFile: string;
  key: string;
  cert: string;
}

/** A CA and a leaf certificate for DROPBOX_HOSTS signed by it, both valid for two days. */
export function makeFrontCert(dir: string): FrontCert {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=dropcron bench CA',
  );
  openssl('req', ...ec, '-keyout', f('front.key'), '-out', f('front.csr'), '-subj', `/CN=${DROPBOX_HOSTS[0]}`);
  writeFileSync(
    f('front.ext'),
    [
      `subjectAltName=${DROPBOX_HOSTS.map((h) => `DNS:${h}`).join(',')}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature',
      'extendedKeyUsage=serverAuth',
    ].join('\n'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    f('front.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    f('front.pem'),
    '-extfile',
    f('front.ext'),
  );
  return { caFile: f('ca.pem'), key: readFileSync(f('front.key'), 'utf8'), cert: readFileSync(f('front.pem'), 'utf8') };
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** CONNECT requests seen, by the host they named (shows every peer really went through). */
  hosts: Map<string, number>;
  close(): Promise<void>;
}

/** An HTTP proxy that answers every CONNECT with a tunnel to 127.0.0.1:targetPort. */
export async function startConnectProxy(targetPort: number): Promise<ConnectProxy> {
  const hosts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('only CONNECT is served here\n');
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const host = (req.url ?? '').replace(/:\d+$/, '');
    hosts.set(host, (hosts.get(host) ?? 0) + 1);
    const upstream = connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hosts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
