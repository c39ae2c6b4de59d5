/// <reference types="node" />
// Cross-site WebSocket hijacking: a page from another origin (same host, another port, so the
// browser does send the SameSite=Strict cookie) cannot open an authenticated socket to kringd.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { fromBinary } from "@bufbuild/protobuf";
import { ServerFrameSchema } from "../../src/proto";
import { CliUser, createAccount, kringdAndBrowser, logIn, phoneContext } from "./harness";

let evil: https.Server;
let evilOrigin: string;

const world = kringdAndBrowser({
  async setUp({ kringd }) {
    // Another origin on the same host, with kringd's own dev certificate (valid for 127.0.0.1).
    evil = https.createServer(
      {
        cert: fs.readFileSync(kringd.caFile),
        key: fs.readFileSync(path.join(kringd.dataDir, "tls", "key.pem")),
      },
      (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end("<!doctype html><title>elsewhere</title><p>another site</p>");
      },
    );
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    evilOrigin = `https://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  },
});
after(async () => {
  evil?.close();
});

// Opens a WebSocket from the page, sends WhoAmI (ClientFrame{request_id: 1, who_am_i: {}}) and
// returns the first answer's bytes, or "refused" when the socket never opened.
async function whoAmIFrom(page: Page, port: number): Promise<number[] | "refused"> {
  return page.evaluate(
    (p) =>
      new Promise<number[] | "refused">((resolve) => {
        const ws = new WebSocket(`wss://127.0.0.1:${p}/v1/ws`);
        ws.binaryType = "arraybuffer";
        let opened = false;
        ws.onopen = () => {
          opened = true;
          ws.send(new Uint8Array([0x08, 0x01, 0x6a, 0x00]));
        };
        ws.onmessage = (e) => {
          resolve([...new Uint8Array(e.data as ArrayBuffer)]);
          ws.close();
        };
        ws.onclose = () => {
          if (!opened) resolve("refused");
        };
      }),
    port,
  );
}

function whoAmIAnswer(bytes: number[]) {
  const frame = fromBinary(ServerFrameSchema, new Uint8Array(bytes));
  assert.equal(frame.frame.case, "response");
  return frame.frame.value as import("../../src/proto").Response;
}

test("the page's own origin gets an authenticated socket from the cookie", async () => {
  const { kringd, browser } = world;
  const admin = new CliUser(kringd, "admin");
  await admin.login();
  await createAccount(admin, "selam", "client", "Selam");
  const context = await phoneContext(browser);
  const page = await context.newPage();
  await logIn(page, kringd, "selam");
  const bytes = await whoAmIFrom(page, kringd.port);
  assert.notEqual(bytes, "refused");
  const r = whoAmIAnswer(bytes as number[]);
  assert.equal(r.result.case, "whoAmI");
  if (r.result.case === "whoAmI") assert.equal(r.result.value.account?.handle, "selam");

  // The same browser (cookie and all) on another origin: no authenticated socket.
  const other = await context.newPage();
  await other.goto(evilOrigin + "/");
  const cookies = await context.cookies(kringd.origin);
  assert.ok(cookies.some((c) => c.name === "kring_session" && c.httpOnly && c.secure && c.sameSite === "Strict"));
  const answer = await whoAmIFrom(other, kringd.port);
  if (answer !== "refused") {
    const response = whoAmIAnswer(answer);
    assert.notEqual(response.result.case, "whoAmI", "another origin got an authenticated socket");
  }
  // And script on the real page never sees the token.
  assert.equal(await page.evaluate(() => document.cookie.includes("kring_session")), false);
});
