import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** An SMTP server in this process that keeps what it receives; on `port` (0: any free one). */
export async function smtpServer(auth?: { user: string; pass: string }, port = 0) {
  const received: { from: string; to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    disabledCommands: auth ? [] : ['AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    hideSTARTTLS: true,
    logger: false,
    onAuth(a, _session, callback) {
      if (auth && a.username === auth.user && a.password === auth.pass) callback(null, { user: a.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.server.address() as AddressInfo).port;
  return { received, port: bound, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

