// GVariant's text format (the values of runc's `org.systemd.property.<Name>` annotations, which
// runc reads with godbus's ParseVariant): booleans, numbers (int32 or double unless typed, as in
// "uint64 123" or "@t 123"), strings in single or double quotes, arrays and tuples. Enough for
// every systemd unit property; dictionaries, maybes and nested variants are refused.

/** A D-Bus signature and a value as dbus-message.ts marshals it (64-bit integers as bigint). */
export interface Typed {
  signature: string;
  value: unknown;
}

const KEYWORDS: Record<string, string> = { byte: "y", int16: "n", uint16: "q", int32: "i", uint32: "u", int64: "x", uint64: "t", double: "d", objectpath: "o" };
const RANGES: Record<string, [bigint, bigint]> = {
  y: [0n, 255n],
  n: [-(1n << 15n), (1n << 15n) - 1n],
  q: [0n, (1n << 16n) - 1n],
  i: [-(1n << 31n), (1n << 31n) - 1n],
  u: [0n, (1n << 32n) - 1n],
  x: [-(1n << 63n), (1n << 63n) - 1n],
  t: [0n, (1n << 64n) - 1n],
};

/** Parses one GVariant text value; throws an Error saying what is wrong. */
export function parseGVariant(text: string): Typed {
  const p = new Parser(text);
  const v = p.value(undefined);
  p.space();
  if (!p.done()) throw new Error(`unexpected ${JSON.stringify(text.slice(p.at))}`);
  return v;
}

class Parser {
  at = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.at >= this.s.length;
  }

  space(): void {
    while (/\s/.test(this.s[this.at] ?? "")) this.at++;
  }

  private word(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.at));
    return m ? m[0] : "";
  }

  private expect(ch: string): void {
    this.space();
    if (this.s[this.at] !== ch) throw new Error(`expected ${JSON.stringify(ch)} at ${JSON.stringify(this.s.slice(this.at) || "the end")}`);
    this.at++;
  }

  /** One complete type after "@" ("t", "as", "a(ss)"). */
  private type(): string {
    const start = this.at;
    const one = (): void => {
      const c = this.s[this.at++];
      if (c === "a") return one();
      if (c === "(") {
        while (this.s[this.at] !== ")") {
          if (this.done()) throw new Error("unterminated tuple type");
          one();
        }
        this.at++;
        return;
      }
      if (c === undefined || !"ynqiuxtdbso".includes(c)) throw new Error(`unsupported type ${JSON.stringify(this.s.slice(start, this.at))}`);
    };
    one();
    return this.s.slice(start, this.at);
  }

  value(want: string | undefined): Typed {
    this.space();
    const c = this.s[this.at];
    if (c === "@") {
      this.at++;
      const type = this.type();
      if (want !== undefined && want !== type) throw new Error(`type ${type} where ${want} is expected`);
      return this.value(type);
    }
    const word = this.word();
    if (KEYWORDS[word] !== undefined) {
      this.at += word.length;
      const type = KEYWORDS[word]!;
      if (want !== undefined && want !== type) throw new Error(`${word} where ${want} is expected`);
      return this.value(type);
    }
    if (word === "true" || word === "false") {
      if (want !== undefined && want !== "b") throw new Error(`a boolean where ${want} is expected`);
      this.at += word.length;
      return { signature: "b", value: word === "true" };
    }
    if (c === "'" || c === '"') return this.string(want);
    if (c === "[") return this.array(want);
    if (c === "(") return this.tuple(want);
    return this.number(want);
  }

  private string(want: string | undefined): Typed {
    if (want !== undefined && want !== "s" && want !== "o") throw new Error(`a string where ${want} is expected`);
    const quote = this.s[this.at++];
    let out = "";
    for (;;) {
      const ch = this.s[this.at++];
      if (ch === undefined) throw new Error("unterminated string");
      if (ch === quote) break;
      if (ch === "\\") {
        const e = this.s[this.at++];
        out += e === "n" ? "\n" : e === "t" ? "\t" : (e ?? "");
      } else {
        out += ch;
      }
    }
    return { signature: want ?? "s", value: out };
  }

  private array(want: string | undefined): Typed {
    if (want !== undefined && !want.startsWith("a")) throw new Error(`an array where ${want} is expected`);
    this.at++;
    let element = want?.slice(1);
    const values: unknown[] = [];
    this.space();
    if (this.s[this.at] === "]") {
      this.at++;
      if (element === undefined) throw new Error("the type of an empty array must be given (as in @as [])");
      return { signature: `a${element}`, value: values };
    }
    for (;;) {
      const v = this.value(element);
      element ??= v.signature;
      values.push(v.value);
      this.space();
      if (this.s[this.at] === "]") break;
      this.expect(",");
    }
    this.at++;
    return { signature: `a${element}`, value: values };
  }

  private tuple(want: string | undefined): Typed {
    if (want !== undefined && !want.startsWith("(")) throw new Error(`a tuple where ${want} is expected`);
    this.at++;
    const inner = want === undefined ? undefined : splitTypes(want.slice(1, -1));
    const signatures: string[] = [];
    const values: unknown[] = [];
    this.space();
    while (this.s[this.at] !== ")") {
      if (signatures.length > 0) this.expect(",");
      const v = this.value(inner?.[signatures.length]);
      signatures.push(v.signature);
      values.push(v.value);
      this.space();
    }
    this.at++;
    const signature = `(${signatures.join("")})`;
    if (want !== undefined && want !== signature) throw new Error(`a tuple ${signature} where ${want} is expected`);
    return { signature, value: values };
  }

  private number(want: string | undefined): Typed {
    const m = /^[-+]?(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?|inf|nan)/.exec(this.s.slice(this.at));
    if (!m) throw new Error(`cannot parse ${JSON.stringify(this.s.slice(this.at) || "an empty value")}`);
    this.at += m[0].length;
    const isFloat = !m[0].includes("0x") && /[.eEn]/.test(m[0]);
    const type = want ?? (isFloat ? "d" : "i");
    if (type === "d") return { signature: "d", value: Number(m[0]) };
    if (isFloat || RANGES[type] === undefined) throw new Error(`${m[0]} is not a ${type === "d" ? "double" : `value of type ${type}`}`);
    const n = BigInt(m[0].replace(/^\+/, ""));
    const [lo, hi] = RANGES[type]!;
    if (n < lo || n > hi) throw new Error(`${m[0]} is out of range for type ${type}`);
    return { signature: type, value: type === "x" || type === "t" ? n : Number(n) };
  }
}

/** "ss" → ["s", "s"]; "sa(su)" → ["s", "a(su)"]. */
function splitTypes(types: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < types.length) {
    let j = i;
    while (types[j] === "a") j++;
    if (types[j] === "(") {
      let depth = 0;
      do {
        if (types[j] === "(") depth++;
        if (types[j] === ")") depth--;
        j++;
      } while (depth > 0 && j < types.length);
    } else {
      j++;
    }
    out.push(types.slice(i, j));
    i = j;
  }
  return out;
}
