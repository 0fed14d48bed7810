import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailConfig } from '../../config.js';
import type { Mailer, RenderedEmail } from '../types.js';

/** A Message-ID made from our idempotency key: a resend after a crash is the same message to the receiving side. */
const messageId = (idempotencyKey: string) => `<${idempotencyKey.replace(/[^\w.-]/g, '_')}@recovery-machine>`;

function mailOf(email: RenderedEmail, from: string, idempotencyKey: string) {
  return {
    from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    headers: email.headers,
    messageId: messageId(idempotencyKey),
    attachments: email.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
  };
}

/** Over SMTP (SMTP_URL): resolves with the Message-ID once the server has accepted the mail. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(smtpUrl: string, private readonly from: string) {
    // Time-outs short enough that a dead server fails the attempt (the worker retries), not the worker.
    this.transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  }

  async send(email: RenderedEmail, idempotencyKey: string): Promise<{ providerId: string }> {
    const info = await this.transport.sendMail(mailOf(email, this.from, idempotencyKey));
    return { providerId: info.messageId };
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

let sequence = 0;

/**
 * Without SMTP (development, tests): each message is written as an .eml file under `dir`, named
 * `<UTC time>-<sequence>-<kind>.eml` so a listing is in sending order. Nothing leaves the machine.
 */
export class FileMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(readonly dir: string, private readonly from: string) {
    this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(email: RenderedEmail, idempotencyKey: string): Promise<{ providerId: string }> {
    const info = (await this.transport.sendMail(mailOf(email, this.from, idempotencyKey))) as unknown as { message: Buffer };
    await mkdir(this.dir, { recursive: true });
    sequence = (sequence + 1) % 1_000_000;
    const kind = (email.headers['X-Message-Kind'] ?? 'message').replace(/[^\w-]/g, '_');
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(process.pid)}-${String(sequence).padStart(6, '0')}-${kind}.eml`;
    await writeFile(join(this.dir, name), info.message, { flag: 'wx' });
    return { providerId: name };
  }
}

/** The configured mailer: SMTP when SMTP_URL is set, files under DATA_DIR/mail otherwise (config refuses that in production). */
export function createMailer(mail: MailConfig, dataDir: string): Mailer {
  return mail.smtpUrl ? new SmtpMailer(mail.smtpUrl, mail.from) : new FileMailer(join(dataDir, 'mail'), mail.from);
}
