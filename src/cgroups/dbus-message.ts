// D-Bus messages on the wire (the D-Bus specification, "Message Protocol"), little-endian: every
// basic type, arrays, structs, dict entries and variants — what the systemd driver sends (unit
// properties of any GVariant type) and reads back. 64-bit integers are bigints, `ay` reads back as
// a Buffer, structs and dict entries are arrays, a variant is { signature, value }.

export interface Variant {
  signature: string;
  value: unknown;
}

export const MessageType = { methodCall: 1, methodReturn: 2, error: 3, signal: 4 } as const;

export interface Message {
  type: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature?: string;
  body: unknown[];
}

type HeaderField = "path" | "interface" | "member" | "errorName" | "replySerial" | "destination" | "sender" | "signature";

/** Header field codes and their types, in code order. */
const FIELDS: [HeaderField, number, string][] = [
  ["path", 1, "o"],
  ["interface", 2, "s"],
  ["member", 3, "s"],
  ["errorName", 4, "s"],
  ["replySerial", 5, "u"],
  ["destination", 6, "s"],
  ["sender", 7, "s"],
  ["signature", 8, "g"],
];

const LITTLE_ENDIAN = 0x6c; // 'l'
const PROTOCOL_VERSION = 1;
const FIXED_HEADER_BYTES = 16; // endianness, type, flags, version, body length, serial, fields' length

/** The index just past the complete type starting at sig[i]. */
function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === "a") return typeEnd(sig, i + 1);
  if (c === "(" || c === "{") {
    const close = c === "(" ? ")" : "}";
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`D-Bus signature ${JSON.stringify(sig)}: ${c} is not closed`);
      j = typeEnd(sig, j);
    }
    return j + 1;
  }
  if (c === undefined || !"ybnqiuxtdsogvh".includes(c)) throw new Error(`D-Bus signature ${JSON.stringify(sig)}: no complete type at ${i}`);
  return i + 1;
}

/** The complete types of a signature: "sa(sv)u" → ["s", "a(sv)", "u"]. */
export function splitSignature(sig: string): string[] {
  const types: string[] = [];
  for (let i = 0; i < sig.length; ) {
    const end = typeEnd(sig, i);
    types.push(sig.slice(i, end));
    i = end;
  }
  return types;
}

/** The fixed-size basic types: each one's size (also its alignment), read and write. */
interface FixedType {
  size: number;
  read(b: Buffer, at: number): unknown;
  write(b: Buffer, v: unknown, at: number): void;
}

const FIXED: Record<string, FixedType> = {
  y: { size: 1, read: (b, at) => b.readUInt8(at), write: (b, v, at) => b.writeUInt8(Number(v), at) },
  b: { size: 4, read: (b, at) => b.readUInt32LE(at) !== 0, write: (b, v, at) => b.writeUInt32LE(v ? 1 : 0, at) },
  n: { size: 2, read: (b, at) => b.readInt16LE(at), write: (b, v, at) => b.writeInt16LE(Number(v), at) },
  q: { size: 2, read: (b, at) => b.readUInt16LE(at), write: (b, v, at) => b.writeUInt16LE(Number(v), at) },
  i: { size: 4, read: (b, at) => b.readInt32LE(at), write: (b, v, at) => b.writeInt32LE(Number(v), at) },
  u: { size: 4, read: (b, at) => b.readUInt32LE(at), write: (b, v, at) => b.writeUInt32LE(Number(v), at) },
  h: { size: 4, read: (b, at) => b.readUInt32LE(at), write: (b, v, at) => b.writeUInt32LE(Number(v), at) },
  x: { size: 8, read: (b, at) => b.readBigInt64LE(at), write: (b, v, at) => b.writeBigInt64LE(BigInt(v as bigint | number), at) },
  t: { size: 8, read: (b, at) => b.readBigUInt64LE(at), write: (b, v, at) => b.writeBigUInt64LE(BigInt(v as bigint | number), at) },
  d: { size: 8, read: (b, at) => b.readDoubleLE(at), write: (b, v, at) => b.writeDoubleLE(Number(v), at) },
};

function alignmentOf(type: string): number {
  const fixed = FIXED[type[0]!];
  if (fixed) return fixed.size;
  switch (type[0]) {
    case "g":
    case "v":
      return 1;
    case "(":
    case "{":
      return 8;
    default:
      return 4; // s, o, a
  }
}

/** Positions are relative to the message's start; header and body each start 8-aligned. */
class Writer {
  private buf = Buffer.alloc(512);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  /** A fixed-size value, aligned to its size. */
  private fixed(size: number, put: (buf: Buffer, at: number) => void): void {
    this.pad(size);
    this.room(size);
    put(this.buf, this.length);
    this.length += size;
  }

  private text(s: string, lengthType: "y" | "u"): void {
    const bytes = Buffer.from(s, "utf8");
    this.value(lengthType, bytes.length);
    this.room(bytes.length + 1);
    bytes.copy(this.buf, this.length);
    this.buf[this.length + bytes.length] = 0;
    this.length += bytes.length + 1;
  }

  value(type: string, v: unknown): void {
    const fixed = FIXED[type];
    if (fixed) return this.fixed(fixed.size, (b, at) => fixed.write(b, v, at));
    switch (type[0]) {
      case "s":
      case "o":
        return this.text(String(v), "u");
      case "g":
        return this.text(String(v), "y");
      case "v": {
        const { signature, value } = v as Variant;
        if (splitSignature(signature).length !== 1) throw new Error(`D-Bus variant: ${JSON.stringify(signature)} is not one complete type`);
        this.text(signature, "y");
        return this.value(signature, value);
      }
      case "a": {
        this.pad(4);
        const lengthAt = this.length;
        this.value("u", 0); // the length, once the elements are written
        const element = type.slice(1);
        this.pad(alignmentOf(element)); // not counted in the array's length
        const start = this.length;
        for (const item of v as Iterable<unknown>) this.value(element, item);
        this.buf.writeUInt32LE(this.length - start, lengthAt);
        return;
      }
      default: {
        // "(...)" or "{..}": the members in order, from an 8-aligned start
        this.pad(8);
        const members = v as unknown[];
        splitSignature(type.slice(1, -1)).forEach((t, i) => this.value(t, members[i]));
      }
    }
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
  ) {}

  align(alignment: number): void {
    this.at += (alignment - (this.at % alignment)) % alignment;
  }

  /** A fixed-size value, aligned to its size. */
  private fixed(size: number, get: (buf: Buffer, at: number) => unknown): unknown {
    this.align(size);
    if (this.at + size > this.buf.length) throw new Error("D-Bus message: truncated");
    const v = get(this.buf, this.at);
    this.at += size;
    return v;
  }

  private text(lengthType: "y" | "u"): string {
    const n = this.value(lengthType) as number;
    if (this.at + n + 1 > this.buf.length) throw new Error("D-Bus message: truncated");
    const s = this.buf.toString("utf8", this.at, this.at + n);
    this.at += n + 1;
    return s;
  }

  value(type: string): unknown {
    const fixed = FIXED[type];
    if (fixed) return this.fixed(fixed.size, (b, at) => fixed.read(b, at));
    switch (type[0]) {
      case "s":
      case "o":
        return this.text("u");
      case "g":
        return this.text("y");
      case "v": {
        const signature = this.text("y");
        return { signature, value: this.value(signature) };
      }
      case "a": {
        const n = this.value("u") as number;
        const element = type.slice(1);
        this.align(alignmentOf(element));
        const end = this.at + n;
        if (end > this.buf.length) throw new Error("D-Bus message: truncated");
        if (element === "y") {
          this.at = end;
          return Buffer.from(this.buf.subarray(end - n, end));
        }
        const items: unknown[] = [];
        while (this.at < end) items.push(this.value(element));
        return items;
      }
      default:
        this.align(8);
        return splitSignature(type.slice(1, -1)).map((t) => this.value(t));
    }
  }
}

/** A message as bytes; `body` is marshalled by `signature`. */
export function encodeMessage(m: Message): Buffer {
  const body = new Writer();
  const types = splitSignature(m.signature ?? "");
  if (types.length !== m.body.length) throw new Error(`D-Bus ${m.member ?? "message"}: ${m.body.length} values for signature ${JSON.stringify(m.signature ?? "")}`);
  types.forEach((t, i) => body.value(t, m.body[i]));
  const fields: [number, Variant][] = [];
  for (const [name, code, signature] of FIELDS) {
    const value = m[name];
    if (value !== undefined && !(name === "signature" && value === "")) fields.push([code, { signature, value }]);
  }
  const header = new Writer();
  for (const byte of [LITTLE_ENDIAN, m.type, 0, PROTOCOL_VERSION]) header.value("y", byte);
  header.value("u", body.length);
  header.value("u", m.serial);
  header.value("a(yv)", fields);
  header.pad(8);
  return Buffer.concat([header.bytes(), body.bytes()]);
}

/** The size of the message at the start of `buf`, once its fixed header is there. */
export function messageLength(buf: Buffer): number | undefined {
  if (buf.length < FIXED_HEADER_BYTES) return undefined;
  if (buf[0] !== LITTLE_ENDIAN) throw new Error("D-Bus: a big-endian message (only little-endian hosts are supported)");
  const headerBytes = FIXED_HEADER_BYTES + buf.readUInt32LE(12);
  return Math.ceil(headerBytes / 8) * 8 + buf.readUInt32LE(4);
}

/** One whole message (`messageLength` bytes). */
export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf, 12);
  const m: Message = { type: buf[1]!, serial: buf.readUInt32LE(8), body: [] };
  for (const [code, v] of r.value("a(yv)") as [number, Variant][]) {
    const field = FIELDS.find(([, c]) => c === code);
    if (field) Object.assign(m, { [field[0]]: v.value });
  }
  r.align(8);
  m.body = splitSignature(m.signature ?? "").map((t) => r.value(t));
  return m;
}
