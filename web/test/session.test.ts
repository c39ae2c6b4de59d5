/// <reference types="node" />
// The browser login over HTTPS: the request body is a LoginRequest; the answer a Response whose
// token is empty (the session is in an HttpOnly cookie the script never sees).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Error_Code, LoginRequestSchema, ResponseSchema } from "../src/proto";
import { login, logout } from "../src/client/session";
import { parseRoute, pathOf } from "../src/ui/router";

function fakeFetch(status: number, response: Parameters<typeof create<typeof ResponseSchema>>[1], seen: RequestInit[] = []) {
  return (async (_url: string, init: RequestInit) => {
    seen.push(init);
    const body = toBinary(ResponseSchema, create(ResponseSchema, response));
    return new Response(body as Uint8Array<ArrayBuffer>, { status });
  }) as unknown as typeof fetch;
}

test("a login posts a LoginRequest and reads the account from the Response", async () => {
  const seen: RequestInit[] = [];
  const outcome = await login(
    "selam",
    "secret-password",
    fakeFetch(200, { result: { case: "login", value: { account: { id: 2n, handle: "selam" } } } }, seen),
  );
  assert.ok(outcome.ok);
  if (outcome.ok) assert.equal(outcome.account?.handle, "selam");
  assert.equal(seen[0]?.method, "POST");
  assert.equal((seen[0]?.headers as Record<string, string>)["Content-Type"], "application/x-protobuf");
  const req = fromBinary(LoginRequestSchema, seen[0]!.body as Uint8Array);
  assert.equal(req.handle, "selam");
  assert.equal(req.password, "secret-password");
  assert.match(req.app, /^kring-web\//);
});

test("refusals carry the typed error, and the throttle's wait", async () => {
  const wrong = await login("selam", "x", fakeFetch(401, { error: { code: Error_Code.UNAUTHENTICATED } }));
  assert.deepEqual(wrong, { ok: false, code: Error_Code.UNAUTHENTICATED, retryAfterMs: 0 });
  const slow = await login("selam", "x", fakeFetch(429, { error: { code: Error_Code.RESOURCE_EXHAUSTED, retryAfterMs: 4000n } }));
  assert.deepEqual(slow, { ok: false, code: Error_Code.RESOURCE_EXHAUSTED, retryAfterMs: 4000 });
  const bare = (async () => new Response("forbidden", { status: 403 })) as unknown as typeof fetch;
  assert.deepEqual(await login("selam", "x", bare), { ok: false, code: Error_Code.PERMISSION_DENIED, retryAfterMs: 0 });
  const down = (async () => {
    throw new TypeError("network");
  }) as unknown as typeof fetch;
  assert.deepEqual(await login("selam", "x", down), { ok: false, code: "offline", retryAfterMs: 0 });
});

test("logout deletes the session", async () => {
  const seen: RequestInit[] = [];
  await logout(fakeFetch(204, {}, seen));
  assert.equal(seen[0]?.method, "DELETE");
});

test("routes round-trip and refuse junk ids", () => {
  for (const p of ["/", "/n/12", "/n/12/t/34", "/invitations", "/invitations/5", "/circle", "/log", "/log/vries", "/password"]) {
    assert.equal(pathOf(parseRoute(p)), p);
  }
  assert.deepEqual(parseRoute("/n/abc"), { name: "home" });
  assert.deepEqual(parseRoute("/n/1e5/t/2"), { name: "home" });
});
