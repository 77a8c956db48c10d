// The fast interpreter of the command table: exact, strict, and modest. It returns undefined
// for anything it is not sure about (help, unknown flags, missing arguments, odd forms), and
// the caller hands those to yargs, which has the last word on errors and help.
import { GLOBAL_FLAGS, positionalsOf, type Args, type Command, type Flag } from "./table.js";

function coerce(flag: Flag, raw: string): unknown {
  if (flag.type === "number") {
    const n = Number(raw);
    return raw.trim() !== "" && Number.isFinite(n) ? n : undefined;
  }
  if (flag.type === "boolean") return raw === "true" ? true : raw === "false" ? false : undefined;
  if (flag.choices && !flag.choices.includes(raw)) return undefined;
  return raw;
}

export function fastParse(argv: readonly string[], commands: readonly Command[]): { command: Command; args: Args } | undefined {
  const words: string[] = [];
  const given = new Map<string, unknown>();
  let command: Command | undefined;
  // A command's own flag wins over a global one of the same name (`spec --rootless`).
  const flagsNow = () => [...(command?.flags ?? []), ...GLOBAL_FLAGS];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    // After the fixed positionals, a variadic last one takes the rest verbatim, flags and all
    // (`exec ID sh -c ...`, `ps ID -o pid`), as runc reads them.
    const ps = command ? positionalsOf(command) : [];
    if (ps.length && ps[ps.length - 1].variadic && words.length === ps.length - 1) {
      words.push(...argv.slice(i));
      break;
    }
    if (tok.startsWith("-") && tok !== "-") {
      const eq = tok.indexOf("=");
      const key = eq > 0 ? tok.slice(0, eq) : tok;
      const flag = key.startsWith("--") ? flagsNow().find((f) => f.name === key.slice(2)) : flagsNow().find((f) => f.alias === key.slice(1));
      if (!flag) return undefined;
      let value: unknown;
      if (eq > 0) value = coerce(flag, tok.slice(eq + 1));
      else if (flag.type === "boolean") value = true;
      else if (i + 1 < argv.length) value = coerce(flag, argv[++i]);
      if (value === undefined) return undefined;
      if (flag.array) given.set(flag.name, [...((given.get(flag.name) as unknown[]) ?? []), value]);
      else if (given.has(flag.name)) return undefined;
      else given.set(flag.name, value);
      continue;
    }
    if (!command) {
      command = commands.find((c) => c.name === tok || c.aliases?.includes(tok));
      if (!command) return undefined;
      // Options of the command are only known from here; anything before was global.
      continue;
    }
    words.push(tok);
  }
  if (!command) return undefined;
  const args: Args = {};
  for (const f of [...GLOBAL_FLAGS, ...command.flags]) {
    // a command flag of a global's name is read after it, so it wins
    if (given.has(f.name)) args[f.name] = given.get(f.name);
    else if (f.default !== undefined) args[f.name] = f.default;
  }
  const ps = positionalsOf(command);
  for (const [i, p] of ps.entries()) {
    if (p.variadic) {
      args[p.name] = words.slice(i);
      if (p.required && words.length <= i) return undefined;
    } else if (i < words.length) args[p.name] = words[i];
    else if (p.required) return undefined;
  }
  if (!(ps.length && ps[ps.length - 1].variadic) && words.length > ps.length) return undefined;
  return { command, args };
}
