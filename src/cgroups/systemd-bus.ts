// The systemd manager over D-Bus: start a transient unit and wait for its job, change its
// properties, stop it. The system's systemd on the system bus; a rootless user's own systemd
// (`systemd --user`) on that user's session bus, as runc finds it. The client is skiff's own and
// synchronous (a socket through libc, messages from dbus-message.ts): a create asks systemd a
// handful of things in a row, and a D-Bus library cost more to load and run than the whole
// exchange (docs/cgroups.md has the figures).
import * as path from "../posix-path.js";
import { SkiffError } from "../errors.js";
import { outsideId } from "../host/rootless.js";
import { readFileThroughLibc, writeAll } from "../linux/io.js";
import { close, connectUnix, exists, pollIn, read } from "../linux/libc.js";
import { trace } from "../log.js";
import { decodeMessage, encodeMessage, messageLength, MessageType, type Message, type Variant } from "./dbus-message.js";
import type { UnitProperty } from "./systemd.js";

const debug = trace.extend("systemd");

const SYSTEMD = "org.freedesktop.systemd1";
const MANAGER = "org.freedesktop.systemd1.Manager";
const MANAGER_PATH = "/org/freedesktop/systemd1";
// runc's limit for a unit's start or stop job.
const JOB_TIMEOUT_MS = 30_000;
// D-Bus's own default for a method call's reply.
const CALL_TIMEOUT_MS = 25_000;

/** Which systemd: the system's, or the calling user's own instance. */
export type SystemdInstance = "system" | "user";

/**
 * The user's session bus, where its systemd listens: $DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus (dbus-user-session's socket), as runc looks for it.
 */
export function userBusAddress(env: NodeJS.ProcessEnv): string {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  const socket = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, "bus") : undefined;
  if (socket !== undefined && exists(socket)) return `unix:path=${socket}`;
  throw new SkiffError(
    "InvalidConfig",
    `--systemd-cgroup as a rootless user needs your systemd's session bus: set DBUS_SESSION_BUS_ADDRESS, or XDG_RUNTIME_DIR to a directory with its "bus" socket (${socket ?? "XDG_RUNTIME_DIR is not set"}; Debian's dbus-user-session provides it)`,
  );
}

/** The bus's socket path; skiff speaks D-Bus over unix:path= addresses only. */
export function socketPathOf(address: string): string {
  for (const entry of address.split(";")) {
    const [transport, params = ""] = entry.split(/:(.*)/s, 2) as [string, string?];
    if (transport !== "unix") continue;
    for (const kv of params.split(",")) {
      const [key, value] = kv.split(/=(.*)/s, 2) as [string, string?];
      if (key === "path" && value) return value.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  }
  throw new SkiffError("InvalidConfig", `D-Bus address ${JSON.stringify(address)}: no unix:path= in it (the only transport skiff speaks)`);
}

const SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket";

/** A D-Bus error reply: its name (org.freedesktop.systemd1.UnitExists, ...) and message. */
class BusError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One authenticated connection, synchronous: send() writes a call at once, reply() reads until
 * its answer, keeping the other replies and handing signals to onSignal. Calls sent one after
 * another before their replies are read cost one round trip together.
 */
class BusConnection {
  private readonly fd: number;
  private serial = 0;
  private unread: Buffer = Buffer.alloc(0);
  private readonly replies = new Map<number, Message>();
  /** The bus's answer to AUTH, the first thing it writes, has been read. */
  private authenticated = false;

  /** `uid`: whom to authenticate as (EXTERNAL), the uid the bus daemon sees. */
  constructor(
    address: string,
    private readonly uid: number,
    private readonly onSignal: (m: Message) => void,
  ) {
    const socket = socketPathOf(address);
    this.fd = connectUnix(socket, "D-Bus socket");
    try {
      // The handshake and Hello go out together, as sd-bus sends them, and the first calls
      // follow before the bus has answered AUTH: its answer is read with their replies (next).
      this.writeAll(Buffer.from(`\0AUTH EXTERNAL ${Buffer.from(String(uid)).toString("hex")}\r\nBEGIN\r\n`));
      this.send({ type: MessageType.methodCall, destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "Hello", body: [] });
    } catch (e) {
      close(this.fd);
      throw e;
    }
  }

  close(): void {
    close(this.fd);
  }

  /** Writes a message now; returns its serial. */
  send(m: Omit<Message, "serial">): number {
    const serial = ++this.serial;
    this.writeAll(encodeMessage({ ...m, serial }));
    return serial;
  }

  /** The reply to `serial` (reading up to the deadline); an error reply throws a BusError. */
  reply(serial: number, deadline: number): unknown[] {
    let m = this.replies.get(serial);
    while (m === undefined) {
      const next = this.next(deadline);
      if (next === undefined) throw new Error("timed out waiting for a reply from the bus");
      this.dispatch(next);
      m = this.replies.get(serial);
    }
    this.replies.delete(serial);
    if (m.type === MessageType.error) throw new BusError(m.errorName ?? "", typeof m.body[0] === "string" ? m.body[0] : (m.errorName ?? "D-Bus error"));
    return m.body;
  }

  /** Reads until `done()`; false when the deadline came first. */
  until(done: () => boolean, deadline: number): boolean {
    while (!done()) {
      const m = this.next(deadline);
      if (m === undefined) return false;
      this.dispatch(m);
    }
    return true;
  }

  private dispatch(m: Message): void {
    if (m.type === MessageType.signal) this.onSignal(m);
    else if (m.replySerial !== undefined) this.replies.set(m.replySerial, m);
  }

  /** The next whole message; undefined when the deadline came first. */
  private next(deadline: number): Message | undefined {
    if (!this.authenticated) this.readAuthAnswer(deadline);
    for (;;) {
      const n = messageLength(this.unread);
      if (n !== undefined && this.unread.length >= n) {
        const m = decodeMessage(this.unread.subarray(0, n));
        this.unread = this.unread.subarray(n);
        return m;
      }
      if (!this.fill(deadline)) return undefined;
    }
  }

  private readAuthAnswer(deadline: number): void {
    const answer = this.line(deadline);
    if (!answer.startsWith("OK ")) throw new Error(`the bus refused us (uid ${this.uid}): ${answer}`);
    this.authenticated = true;
  }

  /** The handshake's answer line. */
  private line(deadline: number): string {
    for (;;) {
      const end = this.unread.indexOf("\r\n");
      if (end >= 0) {
        const text = this.unread.toString("latin1", 0, end);
        this.unread = this.unread.subarray(end + 2);
        return text;
      }
      if (!this.fill(deadline)) throw new Error("timed out waiting for the bus to authenticate us");
    }
  }

  /** Appends what the socket has; false when nothing came before the deadline. */
  private fill(deadline: number): boolean {
    if (pollIn([this.fd], Math.max(0, deadline - Date.now()))[0] === 0) return false;
    const buf = Buffer.alloc(65536);
    const n = read(this.fd, buf);
    if (n === 0) throw new Error("the bus closed the connection");
    this.unread = Buffer.concat([this.unread, buf.subarray(0, n)]);
    return true;
  }

  private writeAll(bytes: Buffer): void {
    try {
      writeAll(this.fd, bytes);
    } catch (e) {
      // A bus that refused the handshake hangs up: its answer says why, the broken pipe does not.
      if (!this.authenticated) this.readAuthAnswer(Date.now() + CALL_TIMEOUT_MS);
      throw e;
    }
  }
}

/** The user's session bus, authenticated as the uid the bus daemon sees. */
function userConnection(onSignal: (m: Message) => void): BusConnection {
  const uid = process.getuid?.() ?? 0;
  // Inside a user namespace (rootless podman runs its runtime in one) the uid here is not the
  // one the bus daemon sees through the socket: claim that one, as runc's DetectUID does.
  return new BusConnection(userBusAddress(process.env), outsideId(uid, readFileThroughLibc("/proc/self/uid_map")), onSignal);
}

export class SystemdBus {
  private readonly connection: BusConnection;
  /** Finished jobs (JobRemoved) by object path → result ("done", "failed", …). */
  private readonly finished = new Map<string, string>();
  private subscription?: Promise<void>;
  private readonly which: string;

  constructor(instance: SystemdInstance = "system") {
    this.which = instance === "user" ? "your session bus (systemd --user)" : "the D-Bus system bus";
    const onSignal = (m: Message) => {
      if (m.interface !== MANAGER || m.member !== "JobRemoved") return;
      const [, job, , result] = m.body as [number, string, string, string];
      this.finished.set(job, result);
    };
    try {
      this.connection = instance === "user" ? userConnection(onSignal) : new BusConnection(process.env.DBUS_SYSTEM_BUS_ADDRESS ?? SYSTEM_BUS, process.getuid?.() ?? 0, onSignal);
    } catch (e) {
      throw this.broken(e);
    }
  }

  /** A failure of the connection itself, saying which bus; a D-Bus error reply stays as it is. */
  private broken(e: unknown): unknown {
    return e instanceof BusError ? e : new SkiffError("Syscall", `${this.which} (systemd cgroup driver): ${(e as Error).message}`);
  }

  close(): void {
    this.connection.close();
  }

  /**
   * Sends the call now and reads its reply when awaited: calls made together (Promise.all) go
   * out together and cost one round trip.
   */
  private send(message: Omit<Message, "type" | "serial">): Promise<unknown[]> {
    try {
      const serial = this.connection.send({ ...message, type: MessageType.methodCall });
      return Promise.resolve().then(() => {
        try {
          return this.connection.reply(serial, Date.now() + CALL_TIMEOUT_MS);
        } catch (e) {
          throw this.broken(e);
        }
      });
    } catch (e) {
      return Promise.reject(this.broken(e));
    }
  }

  private call(member: string, signature: string, body: unknown[], iface = MANAGER): Promise<unknown[]> {
    debug("%s %o", member, body);
    return this.send({ destination: SYSTEMD, path: MANAGER_PATH, interface: iface, member, signature, body });
  }

  /**
   * JobRemoved signals reach only subscribed clients that asked for them with a match rule. Both
   * requests go out at once (the bus keeps one connection's messages in order): one round trip.
   */
  subscribe(): Promise<void> {
    const rule = `type='signal',sender='${SYSTEMD}',interface='${MANAGER}',member='JobRemoved',path='${MANAGER_PATH}'`;
    this.subscription ??= Promise.all([
      this.send({ destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "AddMatch", signature: "s", body: [rule] }),
      this.call("Subscribe", "", []),
    ]).then(
      () => undefined,
      (e: unknown) => {
        throw busError("subscribing to systemd's job signals", e);
      },
    );
    return this.subscription;
  }

  private async waitForJob(job: string, what: string): Promise<string> {
    if (!this.connection.until(() => this.finished.has(job), Date.now() + JOB_TIMEOUT_MS)) throw new SkiffError("Internal", `timed out waiting for systemd to ${what}`);
    return this.finished.get(job)!;
  }

  /** The manager's own cgroup: "/user.slice/user-1000.slice/user@1000.service" for a user's systemd. */
  async managerControlGroup(): Promise<string> {
    try {
      const [v] = await this.call("Get", "ss", [MANAGER, "ControlGroup"], "org.freedesktop.DBus.Properties");
      return String((v as Variant).value);
    } catch (e) {
      throw busError("asking systemd for its cgroup", e);
    }
  }

  /** systemd's version number ("252.30-1" → 252); 0 when it cannot be read. */
  async version(): Promise<number> {
    try {
      const [v] = await this.call("Get", "ss", [MANAGER, "Version"], "org.freedesktop.DBus.Properties");
      return Number(/([0-9]+)/.exec(String((v as Variant).value))?.[1] ?? 0);
    } catch (e) {
      debug("systemd version: %s", (e as Error).message);
      return 0;
    }
  }

  /**
   * StartTransientUnit and wait for its job; a unit that exists already is taken as is (runc).
   * The subscription is usually under way already, sent with the caller's other questions.
   */
  async startUnit(unit: string, properties: UnitProperty[]): Promise<void> {
    await this.subscribe();
    let job: string;
    try {
      [job] = (await this.call("StartTransientUnit", "ssa(sv)a(sa(sv))", [unit, "replace", variants(properties), []])) as [string];
    } catch (e) {
      if (dbusErrorName(e) === "org.freedesktop.systemd1.UnitExists") return;
      throw busError(`starting systemd unit ${unit}`, e);
    }
    const result = await this.waitForJob(job, `create ${unit}`);
    if (result !== "done") {
      await this.resetFailed(unit);
      throw new SkiffError("Syscall", `error creating systemd unit \`${unit}\`: got \`${result}\``);
    }
  }

  async setProperties(unit: string, properties: UnitProperty[]): Promise<void> {
    if (properties.length === 0) return;
    try {
      await this.call("SetUnitProperties", "sba(sv)", [unit, true, variants(properties)]);
    } catch (e) {
      throw busError(`setting properties of systemd unit ${unit}`, e);
    }
  }

  /** StopUnit and wait for it, then let systemd forget a failed unit (runc ignores both failures). */
  async stopUnit(unit: string): Promise<void> {
    const subscribed = this.subscribe();
    // Sent right behind the subscription, not after its reply: the match rule is in place first.
    const stop = this.call("StopUnit", "ss", [unit, "replace"]);
    stop.catch(() => undefined); // handled below, once subscribed
    await subscribed;
    try {
      const [job] = (await stop) as [string];
      const result = await this.waitForJob(job, `remove ${unit}`);
      if (result !== "done") debug("stopping %s: job %s", unit, result);
    } catch (e) {
      if (e instanceof SkiffError) throw e; // the timeout
      debug("stopping %s: %s", unit, (e as Error).message);
    }
    await this.resetFailed(unit);
  }

  private async resetFailed(unit: string): Promise<void> {
    try {
      await this.call("ResetFailedUnit", "s", [unit]);
    } catch (e) {
      debug("reset-failed %s: %s", unit, (e as Error).message);
    }
  }
}

function variants(properties: UnitProperty[]): [string, Variant][] {
  return properties.map(([name, signature, value]) => [name, { signature, value }]);
}

function dbusErrorName(e: unknown): string | undefined {
  return e instanceof BusError ? e.type : undefined;
}

function busError(what: string, e: unknown): SkiffError {
  const name = dbusErrorName(e);
  return new SkiffError("Syscall", `${what}: ${(e as Error).message}${name ? ` (${name})` : ""}`);
}
