// Logging in and out over HTTPS (docs/web.md): kringd answers POST /v1/session with the session
// in an HttpOnly, Secure, SameSite=Strict cookie, so no script on the page ever holds the token.
// The WebSocket upgrade then carries the cookie by itself.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Error_Code, LoginRequestSchema, ResponseSchema, type Account } from "../proto";
import type { ErrorCode } from "./protocol";

export type LoginOutcome =
  | { ok: true; account: Account | undefined }
  | { ok: false; code: ErrorCode; retryAfterMs: number };

export const APP_NAME = "kring-web/0.1";

export async function login(handle: string, password: string, fetcher: typeof fetch = fetch): Promise<LoginOutcome> {
  const body = toBinary(LoginRequestSchema, create(LoginRequestSchema, { handle, password, app: APP_NAME }));
  let res: globalThis.Response;
  try {
    res = await fetcher("/v1/session", {
      method: "POST",
      headers: { "Content-Type": "application/x-protobuf" },
      body: body as Uint8Array<ArrayBuffer>,
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, code: "offline", retryAfterMs: 0 };
  }
  let answer;
  try {
    answer = fromBinary(ResponseSchema, new Uint8Array(await res.arrayBuffer()));
  } catch {
    answer = undefined;
  }
  if (res.ok && answer?.result.case === "login") return { ok: true, account: answer.result.value.account };
  const err = answer?.error;
  if (err && err.code !== Error_Code.CODE_UNSPECIFIED) {
    return { ok: false, code: err.code, retryAfterMs: Number(err.retryAfterMs) };
  }
  const byStatus: Record<number, Error_Code> = {
    400: Error_Code.INVALID_ARGUMENT,
    401: Error_Code.UNAUTHENTICATED,
    403: Error_Code.PERMISSION_DENIED,
    429: Error_Code.RESOURCE_EXHAUSTED,
  };
  return { ok: false, code: byStatus[res.status] ?? Error_Code.INTERNAL, retryAfterMs: 0 };
}

export async function logout(fetcher: typeof fetch = fetch): Promise<void> {
  try {
    await fetcher("/v1/session", { method: "DELETE", credentials: "same-origin" });
  } catch {
    // Offline: the cookie stays until it expires; the page forgets the session anyway.
  }
}
