/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema } from "@kring/proto/kring/v1/kring_pb";

test("generated code round-trips a ClientFrame", () => {
  const frame = create(ClientFrameSchema, { requestId: 7n, request: { case: "whoAmI", value: {} } });
  const back = fromBinary(ClientFrameSchema, toBinary(ClientFrameSchema, frame));
  assert.equal(back.requestId, 7n);
  assert.equal(back.request.case, "whoAmI");
});
