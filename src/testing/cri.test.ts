// The CRI test client's protobuf codec and gRPC framing, without a daemon; and README's CRI
// snippets are the ones src/cli/cri.integration.test.ts runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CRI_HANDLER, criRuntimeEntry, HELLO_SCRIPT } from "./containerd.js";
import { ContainerConfig, ContainerStatus, decode, encode, grpcFrame, grpcUnframe, NODE, PodSandboxConfig, POD, type Message, type Schema } from "./cri.js";

const hex = (b: Buffer) => b.toString("hex");

describe("protobuf codec", () => {
  it("encodes the wire format's reference examples", () => {
    // protobuf.dev encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 …
    expect(hex(encode({ a: { kind: "int32", no: 1 } }, { a: 150 }))).toBe("089601");
    expect(hex(encode({ b: { kind: "string", no: 2 } }, { b: "testing" }))).toBe("120774657374696e67");
    // a negative int32 is a ten-byte varint (two's complement over 64 bits)
    expect(hex(encode({ c: { kind: "int32", no: 7 } }, { c: -1 }))).toBe("38ffffffffffffffffff01");
    // a map is a repeated entry message { key = 1; value = 2 }
    expect(hex(encode({ m: { kind: "map", no: 6 } }, { m: { a: "b" } }))).toBe("32060a0161120162");
    // absent fields are left out
    expect(encode({ a: { kind: "int32", no: 1 } }, {}).length).toBe(0);
  });

  it("round-trips a RunPodSandbox config with nested messages and maps", () => {
    const config: Message<typeof PodSandboxConfig> = {
      metadata: { name: "pod", uid: "u-1", namespace: "default", attempt: 2 },
      hostname: "h",
      log_directory: "/var/log/pods/x",
      labels: { app: "skiff", "k8s/empty": "" },
      annotations: { note: "ünïcode ✓" },
      linux: { cgroup_parent: "/k8s.io", security_context: { namespace_options: { network: NODE, pid: POD, ipc: POD }, privileged: false } },
    };
    expect(decode(PodSandboxConfig, encode(PodSandboxConfig, config))).toEqual(config);
  });

  it("round-trips repeated strings and repeated messages in order", () => {
    const c: Message<typeof ContainerConfig> = {
      metadata: { name: "c", attempt: 0 },
      image: { image: "skiff.test/busybox:latest" },
      command: ["sh", "-c"],
      args: ["echo one", "", "two"],
      envs: [
        { key: "A", value: "1" },
        { key: "B", value: "x=y" },
      ],
      log_path: "c.log",
    };
    expect(decode(ContainerConfig, encode(ContainerConfig, c))).toEqual(c);
  });

  it("keeps int64 timestamps exact and signed int32 exit codes", () => {
    const s: Message<typeof ContainerStatus> = { id: "abc", state: 2, created_at: 1767225600123456789n, finished_at: -5n, exit_code: -1, reason: "Error" };
    expect(decode(ContainerStatus, encode(ContainerStatus, s))).toEqual(s);
    expect(decode(ContainerStatus, encode(ContainerStatus, { exit_code: 137 })).exit_code).toBe(137);
  });

  it("skips fields the schema does not name, of every wire type", () => {
    const wide = {
      keep: { kind: "string", no: 1 },
      v: { kind: "int64", no: 2 },
      s: { kind: "string", no: 3 },
      n: { kind: "message", no: 4, of: { x: { kind: "int32", no: 1 } } },
    } as const satisfies Schema;
    const fixed64 = Buffer.from("2901020304050607" + "08", "hex"); // field 5, wire type 1
    const fixed32 = Buffer.from("3501020304", "hex"); // field 6, wire type 5
    const buf = Buffer.concat([encode(wide, { keep: "yes", v: 99n, s: "drop", n: { x: 1 } }), fixed64, fixed32]);
    expect(decode({ keep: { kind: "string", no: 1 } }, buf)).toEqual({ keep: "yes" });
  });

  it("rejects truncated input and wire types that do not fit the field", () => {
    expect(() => decode({ s: { kind: "string", no: 1 } }, Buffer.from("0a05616263", "hex"))).toThrow(/truncated/);
    expect(() => decode({ s: { kind: "string", no: 1 } }, Buffer.from("0896", "hex"))).toThrow(/truncated varint/);
    expect(() => decode({ s: { kind: "string", no: 1 } }, Buffer.from("0801", "hex"))).toThrow(/field s \(string\) came with wire type 0/);
  });
});

describe("gRPC framing", () => {
  it("prefixes a flag byte and a big-endian length, and splits frames again", () => {
    const a = Buffer.from("hello");
    expect(hex(grpcFrame(a))).toBe("0000000005" + hex(a));
    expect(grpcUnframe(Buffer.concat([grpcFrame(a), grpcFrame(Buffer.alloc(0))]))).toEqual([a, Buffer.alloc(0)]);
    expect(() => grpcUnframe(Buffer.from("00000000", "hex"))).toThrow(/truncated frame header/);
    expect(() => grpcUnframe(Buffer.from("000000000201", "hex"))).toThrow(/truncated message/);
  });
});

describe("README's containerd CRI and Kubernetes snippets", () => {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
  const blocks = (lang: string) => [...readme.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);

  it("shows the runtime entry the CRI test configures, with generalized paths", () => {
    const entry = blocks("toml").find((b) => b.includes('"io.containerd.grpc.v1.cri"'));
    expect(entry).toBe(criRuntimeEntry(CRI_HANDLER, "/usr/local/bin/skiff", "/run/skiff"));
  });

  it("has a RuntimeClass for the test's handler and a pod running the test's command", () => {
    const yaml = blocks("yaml").find((b) => b.includes("kind: RuntimeClass"));
    expect(yaml).toContain(`handler: ${CRI_HANDLER}\n`);
    expect(yaml).toContain(`runtimeClassName: ${CRI_HANDLER}\n`);
    expect(yaml).toContain(`command: ${JSON.stringify(["sh", "-c", HELLO_SCRIPT]).replace(/","/g, '", "')}\n`);
  });
});
