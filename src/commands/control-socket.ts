/**
 * The CLI talks to a running server over a Unix socket beside the data dir, because embedded PGlite
 * is single-process: while a server holds the data dir, the CLI sends its command here and the
 * server runs the same implementation on its own open database.
 *
 * Protocol, one JSON object per line: the CLI sends `{"command": "admin add", "args": {…}}`;
 * the server answers with any number of `{"out": "…"}` / `{"err": "…"}` lines, then
 * `{"exit": <code>}`, and closes. `{"command": "ping"}` answers `{"exit": 0}`.
 * The socket is mode 0600: only the user who runs the server (who could open the data dir anyway).
 */
import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { execute, isCommandName, type CommandContext, type Output } from './commands.js';

/** What the server runs commands with: its own database, configuration and services. */
type ServerContext = Omit<CommandContext, 'out'>;

const MAX_REQUEST = 64 * 1024;

/**
 * DATA_DIR.sock, beside the data dir (as proper-lockfile's DATA_DIR.lock), not in it: PGlite's
 * dumpDataDir (`recovery backup`) copies the data dir and cannot copy a socket.
 */
export function controlSocketPath(dataDir: string): string {
  return `${resolve(dataDir)}.sock`;
}

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ControlSocket {
  path: string;
  close(): Promise<void>;
}

function send(socket: Socket, message: object): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}

async function answer(socket: Socket, line: string, context: ServerContext, log: Logger): Promise<void> {
  let request: { command?: unknown; args?: unknown };
  try {
    request = JSON.parse(line) as typeof request;
  } catch {
    return send(socket, { err: 'malformed request', exit: 2 });
  }
  if (request.command === 'ping') return send(socket, { exit: 0 });
  if (!isCommandName(request.command)) return send(socket, { err: `the server does not run "${String(request.command)}"`, exit: 2 });
  const args = typeof request.args === 'object' && request.args !== null ? (request.args as Record<string, unknown>) : {};
  const out: Output = { log: (text) => send(socket, { out: text }), error: (text) => send(socket, { err: text }) };
  log.info({ command: request.command }, 'running a CLI command for the control socket');
  const exit = await execute(request.command, { ...context, out }, args);
  send(socket, { exit });
}

/**
 * Listens on DATA_DIR.sock. Call it while holding the data-dir lock: any socket file
 * already there is then left by a server that crashed, and is replaced.
 */
export async function listenForCommands(context: ServerContext, log: Logger): Promise<ControlSocket> {
  const path = controlSocketPath(context.config.dataDir);
  const stale = lstatSync(path, { throwIfNoEntry: false });
  if (stale?.isSocket()) rmSync(path);
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    let buffered = '';
    let answered = false;
    socket.setEncoding('utf8');
    socket.on('error', (err) => log.warn({ err }, 'control socket connection failed'));
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0 && buffered.length <= MAX_REQUEST) return;
      answered = true;
      const line = newline < 0 ? '' : buffered.slice(0, newline);
      void answer(socket, line, context, log)
        .catch((err: unknown) => {
          log.warn({ err }, 'control socket command failed');
          send(socket, { err: 'the command failed on the server', exit: 1 });
        })
        .finally(() => socket.end());
    });
  });
  // Owner-only from the moment the socket exists (the umask applies to bind), and again after.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(path, { force: true });
          resolve();
        });
      }),
  };
}

/**
 * Sends a command to the server listening on the data dir and relays its output. Resolves
 * the server's exit code, or undefined when no server answers (no socket, or a stale one).
 */
export function forwardCommand(dataDir: string, command: string, args: Record<string, unknown>, out: Output): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection(controlSocketPath(dataDir));
    let connected = false;
    let exit: number | undefined;
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify({ command, args })}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let message: { out?: string; err?: string; exit?: number };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          out.error(`unexpected answer from the server: ${line.slice(0, 200)}`);
          continue;
        }
        if (message.out !== undefined) out.log(message.out);
        if (message.err !== undefined) out.error(message.err);
        if (message.exit !== undefined) exit = message.exit;
      }
    });
    socket.on('error', () => {
      if (!connected) resolve(undefined);
    });
    socket.on('close', () => {
      if (!connected) return resolve(undefined);
      if (exit === undefined) out.error('the server closed the connection before the command finished');
      resolve(exit ?? 1);
    });
  });
}
