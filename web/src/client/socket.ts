// The few parts of a WebSocket the protocol client uses, so that tests can hand it a fake one
// (Node 18 has no WebSocket) and the browser hands it the real one.
export interface SocketLike {
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

// Timers, injectable so that tests advance time themselves instead of sleeping.
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

// The browser's WebSocket. The session cookie (HttpOnly) rides on the upgrade by itself.
export function browserSocketFactory(url: string): SocketLike {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  return ws as unknown as SocketLike;
}

// wss://host/v1/ws for the page's own origin.
export function socketUrlFor(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "http:" ? "ws:" : "wss:";
  return `${scheme}//${location.host}/v1/ws`;
}

