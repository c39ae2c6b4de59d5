// The wire protocol, generated from proto/kring/v1/kring.proto at build time (build/web/gen).
export * from "@kring/proto/kring/v1/kring_pb";
