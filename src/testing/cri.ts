// A minimal CRI client for the tests: gRPC over node:http2 on a unix socket, with a small
// protobuf codec covering only the CRI (runtime.v1) messages the tests send and read. Field
// numbers are those of k8s.io/cri-api pkg/apis/runtime/v1/api.proto; containerd 1.6 serves
// runtime.v1 (and v1alpha2, unused here). Unknown fields in answers are skipped.
import * as http2 from "node:http2";
import * as net from "node:net";

// ---- protobuf: a schema is a map of field name → (number, kind) --------------------------------

type Field =
  | { readonly kind: "string"; readonly no: number }
  | { readonly kind: "int32"; readonly no: number } // int32, uint32, enums: a JS number
  | { readonly kind: "int64"; readonly no: number } // int64: a bigint (nanosecond timestamps)
  | { readonly kind: "bool"; readonly no: number }
  | { readonly kind: "strings"; readonly no: number } // repeated string
  | { readonly kind: "map"; readonly no: number } // map<string, string>
  | { readonly kind: "message"; readonly no: number; readonly of: Schema }
  | { readonly kind: "messages"; readonly no: number; readonly of: Schema }; // repeated message

export type Schema = { readonly [name: string]: Field };

type ValueOf<F> = F extends { kind: "string" }
  ? string
  : F extends { kind: "int32" }
    ? number
    : F extends { kind: "int64" }
      ? bigint
      : F extends { kind: "bool" }
        ? boolean
        : F extends { kind: "strings" }
          ? string[]
          : F extends { kind: "map" }
            ? Record<string, string>
            : F extends { kind: "message"; of: infer S extends Schema }
              ? Message<S>
              : F extends { kind: "messages"; of: infer S extends Schema }
                ? Message<S>[]
                : never;

/** A decoded or to-be-encoded message: proto3 fields are all optional (absent = default). */
export type Message<S extends Schema> = { -readonly [K in keyof S]?: ValueOf<S[K]> };

const str = (no: number) => ({ kind: "string", no }) as const;
const int32 = (no: number) => ({ kind: "int32", no }) as const;
const int64 = (no: number) => ({ kind: "int64", no }) as const;
const bool = (no: number) => ({ kind: "bool", no }) as const;
const strings = (no: number) => ({ kind: "strings", no }) as const;
const map = (no: number) => ({ kind: "map", no }) as const;
const msg = <S extends Schema>(no: number, of: S) => ({ kind: "message", no, of }) as const;
const msgs = <S extends Schema>(no: number, of: S) => ({ kind: "messages", no, of }) as const;

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

function varint(v: bigint): Buffer {
  let u = BigInt.asUintN(64, v); // negative int32/int64 go as ten-byte two's complement
  const out: number[] = [];
  do {
    let b = Number(u & 0x7fn);
    u >>= 7n;
    if (u) b |= 0x80;
    out.push(b);
  } while (u);
  return Buffer.from(out);
}

const tag = (no: number, wire: number) => varint(BigInt((no << 3) | wire));
const lenField = (no: number, body: Buffer) => Buffer.concat([tag(no, LEN), varint(BigInt(body.length)), body]);
const mapEntry = { key: str(1), value: str(2) } as const;

/** Encodes msg (fields in schema order; absent fields are left out). */
export function encode<S extends Schema>(schema: S, message: Message<S>): Buffer {
  const values: Record<string, unknown> = message;
  const parts: Buffer[] = [];
  for (const [name, f] of Object.entries(schema)) {
    const v = values[name];
    if (v === undefined) continue;
    if (f.kind === "string" && typeof v === "string") parts.push(lenField(f.no, Buffer.from(v)));
    else if (f.kind === "int32" && typeof v === "number") parts.push(tag(f.no, VARINT), varint(BigInt(v)));
    else if (f.kind === "int64" && typeof v === "bigint") parts.push(tag(f.no, VARINT), varint(v));
    else if (f.kind === "bool" && typeof v === "boolean") parts.push(tag(f.no, VARINT), varint(v ? 1n : 0n));
    else if (f.kind === "strings" && Array.isArray(v)) for (const s of v) parts.push(lenField(f.no, Buffer.from(String(s))));
    else if (f.kind === "map" && typeof v === "object" && v !== null)
      for (const [key, value] of Object.entries(v)) parts.push(lenField(f.no, encode(mapEntry, { key, value: String(value) })));
    else if (f.kind === "message" && typeof v === "object" && v !== null) parts.push(lenField(f.no, encode(f.of, v)));
    else if (f.kind === "messages" && Array.isArray(v)) for (const m of v) parts.push(lenField(f.no, encode(f.of, m)));
    else throw new Error(`protobuf: field ${name} (${f.kind}) cannot hold ${typeof v}`);
  }
  return Buffer.concat(parts);
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error("protobuf: truncated varint");
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      if (shift > 63n) throw new Error("protobuf: varint too long");
    }
  }
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error("protobuf: truncated field");
    return this.buf.subarray(this.pos, (this.pos += n));
  }
}

/** Decodes buf by schema; fields the schema does not name are skipped. */
export function decode<S extends Schema>(schema: S, buf: Buffer): Message<S> {
  const byNo = new Map(Object.entries(schema).map(([name, f]) => [f.no, { name, f }]));
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const key = Number(r.varint());
    const wire = key & 7;
    const field = byNo.get(key >>> 3);
    let raw: bigint | Buffer;
    if (wire === VARINT) raw = r.varint();
    else if (wire === LEN) raw = r.take(Number(r.varint()));
    else if (wire === FIXED64) raw = r.take(8);
    else if (wire === FIXED32) raw = r.take(4);
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
    if (!field) continue;
    const { name, f } = field;
    const wantLen = f.kind !== "int32" && f.kind !== "int64" && f.kind !== "bool";
    if (wantLen !== (wire === LEN)) throw new Error(`protobuf: field ${name} (${f.kind}) came with wire type ${wire}`);
    if (typeof raw === "bigint") out[name] = f.kind === "int64" ? BigInt.asIntN(64, raw) : f.kind === "bool" ? raw !== 0n : Number(BigInt.asIntN(32, raw));
    else if (f.kind === "string") out[name] = raw.toString("utf8");
    else if (f.kind === "strings") out[name] = [...((out[name] as string[] | undefined) ?? []), raw.toString("utf8")];
    else if (f.kind === "map") {
      const e = decode(mapEntry, raw);
      out[name] = { ...((out[name] as Record<string, string> | undefined) ?? {}), [e.key ?? ""]: e.value ?? "" };
    } else if (f.kind === "message") out[name] = decode(f.of, raw);
    else if (f.kind === "messages") out[name] = [...((out[name] as unknown[] | undefined) ?? []), decode(f.of, raw)];
  }
  return out as Message<S>;
}

// ---- the CRI messages the tests use (runtime.v1 api.proto) --------------------------------------

/** NamespaceMode */
export const POD = 0;
export const CONTAINER = 1;
export const NODE = 2;
/** ContainerState (the whole enum, as the CRI API defines it) @public */
export const CONTAINER_CREATED = 0;
export const CONTAINER_RUNNING = 1;
export const CONTAINER_EXITED = 2;

const NamespaceOption = { network: int32(1), pid: int32(2), ipc: int32(3), target_id: str(4) } as const;
const PodSandboxMetadata = { name: str(1), uid: str(2), namespace: str(3), attempt: int32(4) } as const;
export const PodSandboxConfig = {
  metadata: msg(1, PodSandboxMetadata),
  hostname: str(2),
  log_directory: str(3),
  labels: map(6),
  annotations: map(7),
  linux: msg(8, { cgroup_parent: str(1), security_context: msg(2, { namespace_options: msg(1, NamespaceOption), privileged: bool(6) }) }),
} as const;
const ContainerMetadata = { name: str(1), attempt: int32(2) } as const;
const ImageSpec = { image: str(1), annotations: map(2) } as const;
export const ContainerConfig = {
  metadata: msg(1, ContainerMetadata),
  image: msg(2, ImageSpec),
  command: strings(3),
  args: strings(4),
  working_dir: str(5),
  envs: msgs(6, { key: str(1), value: str(2) }),
  labels: map(9),
  annotations: map(10),
  log_path: str(11),
  linux: msg(15, { security_context: msg(2, { privileged: bool(2), namespace_options: msg(3, NamespaceOption) }) }),
} as const;
export const ContainerStatus = {
  id: str(1),
  metadata: msg(2, ContainerMetadata),
  state: int32(3),
  created_at: int64(4),
  started_at: int64(5),
  finished_at: int64(6),
  exit_code: int32(7),
  image: msg(8, ImageSpec),
  image_ref: str(9),
  reason: str(10),
  message: str(11),
  labels: map(12),
  annotations: map(13),
  log_path: str(15),
} as const;
const ContainerSummary = { id: str(1), pod_sandbox_id: str(2), metadata: msg(3, ContainerMetadata), state: int32(6), created_at: int64(7), labels: map(8) } as const;
const PodSandboxSummary = { id: str(1), metadata: msg(2, PodSandboxMetadata), state: int32(3), created_at: int64(4), labels: map(5), runtime_handler: str(7) } as const;
const Empty = {} as const;
const byContainerId = { container_id: str(1) } as const;
const byPodSandboxId = { pod_sandbox_id: str(1) } as const;

/** Each method: its service, request and response schemas. */
const methods = {
  Version: { service: "RuntimeService", req: { version: str(1) }, res: { version: str(1), runtime_name: str(2), runtime_version: str(3), runtime_api_version: str(4) } },
  RunPodSandbox: { service: "RuntimeService", req: { config: msg(1, PodSandboxConfig), runtime_handler: str(2) }, res: byPodSandboxId },
  StopPodSandbox: { service: "RuntimeService", req: byPodSandboxId, res: Empty },
  RemovePodSandbox: { service: "RuntimeService", req: byPodSandboxId, res: Empty },
  ListPodSandbox: { service: "RuntimeService", req: { filter: msg(1, { id: str(1), label_selector: map(3) }) }, res: { items: msgs(1, PodSandboxSummary) } },
  CreateContainer: {
    service: "RuntimeService",
    req: { pod_sandbox_id: str(1), config: msg(2, ContainerConfig), sandbox_config: msg(3, PodSandboxConfig) },
    res: byContainerId,
  },
  StartContainer: { service: "RuntimeService", req: byContainerId, res: Empty },
  StopContainer: { service: "RuntimeService", req: { container_id: str(1), timeout: int64(2) }, res: Empty },
  RemoveContainer: { service: "RuntimeService", req: byContainerId, res: Empty },
  ContainerStatus: { service: "RuntimeService", req: { container_id: str(1), verbose: bool(2) }, res: { status: msg(1, ContainerStatus), info: map(2) } },
  ListContainers: { service: "RuntimeService", req: { filter: msg(1, { id: str(1), pod_sandbox_id: str(3), label_selector: map(4) }) }, res: { containers: msgs(1, ContainerSummary) } },
  ImageStatus: { service: "ImageService", req: { image: msg(1, ImageSpec), verbose: bool(2) }, res: { image: msg(1, { id: str(1), repo_tags: strings(2), repo_digests: strings(3) }), info: map(2) } },
} as const;

type Methods = typeof methods;
export type Request<M extends keyof Methods> = Message<Methods[M]["req"]>;
export type Response<M extends keyof Methods> = Message<Methods[M]["res"]>;

// ---- gRPC over HTTP/2 ----------------------------------------------------------------------------

/** A gRPC failure: status is the grpc-status code (2 unknown, 4 deadline, 5 not found, 14 unavailable …). */
export class GrpcError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`CRI ${method}: grpc-status ${status}: ${detail}`);
  }
}

/** Frames one message: a compressed flag (0) and a big-endian length, then the message. */
export function grpcFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** The messages in a gRPC body (compression is never negotiated, so none is compressed). */
export function grpcUnframe(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < body.length; ) {
    if (pos + 5 > body.length) throw new Error("gRPC: truncated frame header");
    if (body[pos] !== 0) throw new Error("gRPC: compressed message");
    const len = body.readUInt32BE(pos + 1);
    if (pos + 5 + len > body.length) throw new Error("gRPC: truncated message");
    out.push(body.subarray(pos + 5, pos + 5 + len));
    pos += 5 + len;
  }
  return out;
}

export class CriClient {
  private session?: http2.ClientHttp2Session;

  constructor(readonly socket: string) {}

  private connect(): http2.ClientHttp2Session {
    if (!this.session || this.session.closed || this.session.destroyed) {
      const s = http2.connect("http://localhost", { createConnection: () => net.connect(this.socket) });
      s.on("error", () => s.destroy()); // each call reports its own failure
      this.session = s;
    }
    return this.session;
  }

  /** One unary call; rejects with a GrpcError naming the method on a non-zero grpc-status. */
  call<M extends keyof Methods>(method: M, req: Request<M>, timeoutMs = 60_000): Promise<Response<M>> {
    const m: Methods[M] = methods[method];
    return new Promise((resolve, reject) => {
      const stream = this.connect().request({
        ":method": "POST",
        ":path": `/runtime.v1.${m.service}/${method}`,
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": `${timeoutMs}m`,
      });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let detail = "";
      const fromHeaders = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
        if (h["grpc-message"] !== undefined) detail = decodeURIComponent(String(h["grpc-message"]));
      };
      const timer = setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(new GrpcError(method, 4, `no answer in ${timeoutMs} ms`));
      }, timeoutMs + 1000);
      stream.on("response", fromHeaders); // a trailers-only answer carries the status here
      stream.on("trailers", fromHeaders);
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("error", (e: Error) => {
        clearTimeout(timer);
        reject(new GrpcError(method, 14, e.message));
      });
      stream.on("close", () => {
        clearTimeout(timer);
        if (status === undefined) return reject(new GrpcError(method, 14, `stream closed without a grpc-status (http2 code ${stream.rstCode})`));
        if (status !== "0") return reject(new GrpcError(method, Number(status), detail));
        try {
          const [payload] = grpcUnframe(Buffer.concat(chunks));
          resolve(decode(m.res, payload ?? Buffer.alloc(0)));
        } catch (e) {
          reject(new GrpcError(method, 13, (e as Error).message));
        }
      });
      stream.end(grpcFrame(encode(m.req, req)));
    });
  }

  close(): void {
    this.session?.close();
  }
}

/** Polls an async condition (tests only). */
export async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return true;
    } catch {
      // not yet
    }
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
