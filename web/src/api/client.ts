/**
 * The one way the web app talks to the API: JSON over fetch, the signed-in session's bearer token,
 * and a refresh (rotating refresh token) when the access token has expired. Errors come back as
 * `ApiError` (the API's stable code and message) or `NetworkError` (no answer: offer a retry).
 */

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class NetworkError extends Error {
  constructor() {
    super('We could not reach Recovery Machine. Check your connection and try again.');
    this.name = 'NetworkError';
  }
}

export interface SessionTokens {
  access_token: string;
  refresh_token: string;
  /** Epoch milliseconds when the access token expires. */
  expires_at: number;
  user: { id: string; email: string };
}

const STORAGE_KEY = 'rm.session';
const listeners = new Set<(s: SessionTokens | null) => void>();

export function readSession(): SessionTokens | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as SessionTokens) : null;
  } catch {
    return null;
  }
}

export function writeSession(session: SessionTokens | null): void {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(session);
}

/** Called with the new session (or null) whenever it changes, in this tab or another. */
export function onSessionChange(listener: (s: SessionTokens | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === STORAGE_KEY) for (const listener of listeners) listener(readSession());
  });
}

interface SessionResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: { id: string; email: string };
}

export function sessionFrom(response: SessionResponse): SessionTokens {
  return {
    access_token: response.access_token,
    refresh_token: response.refresh_token,
    expires_at: Date.now() + response.expires_in * 1000,
    user: response.user,
  };
}

async function parseError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as ApiErrorBody;
    if (body?.error?.code) return new ApiError(res.status, body.error.code, body.error.message, body.error.details);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, res.status >= 500 ? 'internal' : 'bad_request', res.statusText || 'Request failed');
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch {
    throw new NetworkError();
  }
}

let refreshing: Promise<SessionTokens | null> | null = null;

/**
 * Rotates the refresh token once for every caller waiting on it. Across tabs, a Web Lock makes the
 * tabs take turns, and a tab that waited reads the session the other tab stored (reusing a rotated
 * refresh token would revoke the whole session).
 */
export function refreshSession(stale: SessionTokens): Promise<SessionTokens | null> {
  refreshing ??= (async () => {
    const rotate = async (): Promise<SessionTokens | null> => {
      const current = readSession();
      if (!current) return null;
      if (current.refresh_token !== stale.refresh_token) return current; // another tab already rotated it
      const res = await send('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: current.refresh_token }),
      });
      if (!res.ok) {
        if (res.status === 401 || res.status === 400) writeSession(null);
        return null;
      }
      const next = sessionFrom((await res.json()) as SessionResponse);
      writeSession(next);
      return next;
    };
    try {
      return navigator.locks ? await navigator.locks.request('rm.refresh', rotate) : await rotate();
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Send the signed-in session's token (default: when there is one). */
  auth?: boolean;
  headers?: Record<string, string>;
}

/** Calls the API and returns the parsed JSON (undefined for 204). Throws ApiError or NetworkError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await rawApi(path, options);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** As `api`, returning the Response (for files: .ics, CSV). */
export async function rawApi(path: string, options: RequestOptions = {}): Promise<Response> {
  let session = options.auth === false ? null : readSession();
  if (session && session.expires_at - 30_000 < Date.now()) session = await refreshSession(session);
  const attempt = (s: SessionTokens | null) => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (s) headers.authorization = `Bearer ${s.access_token}`;
    return send(path, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  };
  let res = await attempt(session);
  if (res.status === 401 && session) {
    const renewed = await refreshSession(session);
    if (renewed) res = await attempt(renewed);
  }
  if (!res.ok) throw await parseError(res);
  return res;
}

export async function signIn(email: string, password: string): Promise<SessionTokens> {
  const session = sessionFrom(await api<SessionResponse>('/api/auth/login', { method: 'POST', body: { email, password }, auth: false }));
  writeSession(session);
  return session;
}

export async function signUp(fields: { email: string; password: string; full_name?: string; phone?: string; referral_code?: string }): Promise<SessionTokens> {
  const session = sessionFrom(await api<SessionResponse>('/api/auth/signup', { method: 'POST', body: fields, auth: false }));
  writeSession(session);
  return session;
}

export async function signOut(): Promise<void> {
  const session = readSession();
  writeSession(null);
  if (session) await send('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${session.access_token}` } }).catch(() => undefined);
}
