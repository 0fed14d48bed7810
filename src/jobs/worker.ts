import { SERVICE_ROLE, type Database } from '../db/index.js';
import * as repo from '../messages/repository.js';
import type { BusinessContact, Channel, Mailer, MessageKind, MessageToSend, RenderMessage, SmsSender } from '../messages/types.js';

/** What the worker sends through (real transports in the server, in-memory ones in tests). */
export interface MessagePorts {
  render: RenderMessage;
  mailer: Mailer;
  sms: SmsSender;
  /** The data a kind renders from, at send time (src/messages/compose.ts); absent: the row's data as it is. */
  compose?: (message: repo.ClaimedMessage) => Promise<MessageToSend>;
  /** Preferences, STOP and opt-outs, asked right before sending (NotificationService.mayDeliver); absent: always. */
  mayDeliver?: (m: { userId: string | null; kind: MessageKind; channel: Channel; to: string }) => Promise<boolean>;
}

export interface WorkerSettings {
  /** Attempts before a message is `failed` (MESSAGE_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First retry after this many seconds, doubling each time, at most an hour (MESSAGE_RETRY_SECONDS). */
  retryBaseSeconds: number;
  /** How long a claim holds a message; a worker that dies mid-send loses it after this (MESSAGE_LEASE_SECONDS). */
  leaseSeconds: number;
  /** How often an idle worker looks for due messages, milliseconds (WORKER_POLL_MS). */
  pollMs: number;
  batchSize: number;
  publicUrl: string;
}

interface Log {
  info(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface DrainResult {
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
}

const MAX_BACKOFF_SECONDS = 3600;

/**
 * Sends the message log's due rows. Each batch is claimed in one short transaction (status
 * `sending` under SKIP LOCKED), sent with no transaction open, and each result recorded in its own.
 * Exactly one effective send per message: a claim is exclusive, a sent row is never claimed again,
 * and a result is recorded only by the claim that still holds the row. The one window left is a
 * crash after the provider accepted a message and before `sent` was committed: the lease runs out
 * and it is sent again, with the same idempotency key (the message id) for providers that honour one.
 */
export class MessageWorker {
  constructor(
    private readonly db: Database,
    private readonly ports: MessagePorts,
    private readonly settings: WorkerSettings,
  ) {}

  /** Claims and sends due messages until none is due; returns what happened. */
  async drain(): Promise<DrainResult> {
    const total: DrainResult = { sent: 0, retrying: 0, failed: 0, skipped: 0 };
    for (;;) {
      const { claimed, taken, business } = await this.db.asCaller(SERVICE_ROLE, async (tx) => {
        const batch = await repo.claimDueBatch(tx, this.settings.batchSize, this.settings.leaseSeconds);
        total.skipped += batch.skipped;
        return { ...batch, business: batch.claimed.length > 0 ? await repo.businessContact(tx, this.settings.publicUrl) : undefined };
      });
      if (business) {
        for (const message of claimed) {
          const outcome = await this.sendOne(message, business);
          total[outcome]++;
        }
      }
      if (taken < this.settings.batchSize) return total;
    }
  }

  private async sendOne(message: repo.ClaimedMessage, business: BusinessContact): Promise<keyof DrainResult> {
    const attempt = message.attempts;
    let providerId: string;
    try {
      if (this.ports.mayDeliver && !(await this.ports.mayDeliver({ userId: message.user_id, kind: message.kind, channel: message.channel, to: message.recipient }))) {
        await this.db.asCaller(SERVICE_ROLE, (tx) => repo.markSkipped(tx, message.id, attempt, 'the customer does not want this message'));
        return 'skipped';
      }
      const composed = this.ports.compose ? await this.ports.compose(message) : toSend(message);
      const rendered = this.ports.render(composed, business);
      if (message.channel === 'sms') {
        if (!rendered.sms) {
          await this.db.asCaller(SERVICE_ROLE, (tx) => repo.markSkipped(tx, message.id, attempt, `${message.kind} has no text message`));
          return 'skipped';
        }
        ({ providerId } = await this.withinLease(this.ports.sms.send(rendered.sms, message.id)));
      } else {
        ({ providerId } = await this.withinLease(this.ports.mailer.send(rendered.email, message.id)));
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const retryIn = attempt >= this.settings.maxAttempts ? null : backoffSeconds(this.settings.retryBaseSeconds, attempt);
      await this.db.asCaller(SERVICE_ROLE, (tx) => repo.markUnsent(tx, message.id, attempt, error, retryIn));
      return retryIn === null ? 'failed' : 'retrying';
    }
    await this.db.asCaller(SERVICE_ROLE, (tx) => repo.markSent(tx, message.id, attempt, providerId));
    return 'sent';
  }

  /**
   * A provider that does not answer within half the lease counts as a failed attempt (retried
   * later), so a hung call never outlives the claim and overlaps another worker's retry.
   */
  private async withinLease<T>(send: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the provider did not answer in time')), (this.settings.leaseSeconds * 1000) / 2);
    });
    try {
      return await Promise.race([send, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drains now and then every `pollMs`; the returned function stops it after the batch in hand. */
  start(log: Log): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const tick = () => {
      running = this.drain()
        .then((result) => {
          if (result.sent + result.failed + result.retrying + result.skipped > 0) log.info(result, 'messages processed');
        })
        .catch((err: unknown) => log.error({ err }, 'message worker: drain failed'))
        .finally(() => {
          if (!stopped) {
            timer = setTimeout(tick, this.settings.pollMs);
            timer.unref();
          }
        });
    };
    tick();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }
}

/** base · 2^(attempt-1) seconds, at most an hour. */
export function backoffSeconds(base: number, attempt: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, base * 2 ** (attempt - 1));
}

function toSend(m: repo.ClaimedMessage): MessageToSend {
  return {
    id: m.id,
    kind: m.kind,
    channel: m.channel,
    to: m.recipient,
    bookingId: m.booking_id,
    orderId: m.order_id,
    userId: m.user_id,
    data: m.booking ? { ...m.data, booking: m.booking } : m.data,
  };
}
