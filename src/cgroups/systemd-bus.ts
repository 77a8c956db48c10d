// The systemd manager over D-Bus (dbus-next): start a transient unit and wait for its job,
// change its properties, stop it. The system's systemd on the system bus; a rootless user's own
// systemd (`systemd --user`) on that user's session bus, as runc finds it. Loaded only by
// commands that use the systemd cgroup driver (index.ts imports it lazily), so no other command
// pays for the library.
import * as fs from "node:fs";
import * as path from "node:path";
import dbus from "dbus-next";
import { SkiffError } from "../errors.js";
import { outsideId } from "../host/rootless.js";
import { trace } from "../log.js";
import type { UnitProperty } from "./systemd.js";

const debug = trace.extend("systemd");

const SYSTEMD = "org.freedesktop.systemd1";
const MANAGER = "org.freedesktop.systemd1.Manager";
const MANAGER_PATH = "/org/freedesktop/systemd1";
// runc's limit for a unit's start or stop job.
const JOB_TIMEOUT_MS = 30_000;

/** Which systemd: the system's, or the calling user's own instance. */
export type SystemdInstance = "system" | "user";

/**
 * The user's session bus, where its systemd listens: $DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus (dbus-user-session's socket), as runc looks for it.
 */
export function userBusAddress(env: NodeJS.ProcessEnv): string {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  const socket = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, "bus") : undefined;
  if (socket !== undefined && fs.existsSync(socket)) return `unix:path=${socket}`;
  throw new SkiffError(
    "InvalidConfig",
    `--systemd-cgroup as a rootless user needs your systemd's session bus: set DBUS_SESSION_BUS_ADDRESS, or XDG_RUNTIME_DIR to a directory with its "bus" socket (${socket ?? "XDG_RUNTIME_DIR is not set"}; Debian's dbus-user-session provides it)`,
  );
}

/**
 * A connection to the user's session bus. dbus-next authenticates (EXTERNAL) as
 * process.getuid(), which inside a user namespace (rootless podman runs its runtime in one) is
 * not the uid the bus daemon sees: there it claims that one instead (runc's DetectUID asks
 * busctl for it), for the handshake only.
 */
function userBus(): dbus.MessageBus {
  const address = userBusAddress(process.env);
  const own = process.getuid;
  const uid = own?.call(process) ?? 0;
  const claimed = outsideId(uid, fs.readFileSync("/proc/self/uid_map", "utf8"));
  if (own === undefined || claimed === uid) return dbus.sessionBus({ busAddress: address });
  process.getuid = () => claimed;
  const bus = dbus.sessionBus({ busAddress: address });
  const restore = () => void (process.getuid = own);
  bus.once("connect", restore);
  bus.once("error", restore);
  return bus;
}

export class SystemdBus {
  private readonly bus: dbus.MessageBus;
  /** Finished jobs (JobRemoved) by object path → result ("done", "failed", …). */
  private readonly finished = new Map<string, string>();
  private readonly waiting = new Map<string, (result: string) => void>();
  private subscribed = false;
  /** Rejects when the connection fails (no bus socket, say): every call races it. */
  private readonly broken: Promise<never>;

  constructor(instance: SystemdInstance = "system") {
    this.bus = instance === "user" ? userBus() : dbus.systemBus();
    const which = instance === "user" ? "your session bus (systemd --user)" : "the D-Bus system bus";
    this.broken = new Promise((_, reject) => {
      this.bus.on("error", (e: Error) => reject(new SkiffError("Syscall", `${which} (systemd cgroup driver): ${e.message}`)));
    });
    this.broken.catch(() => undefined);
    this.bus.on("message", (msg: dbus.Message) => {
      if (msg.type !== dbus.MessageType.SIGNAL || msg.interface !== MANAGER || msg.member !== "JobRemoved") return;
      const [, job, , result] = msg.body as [number, string, string, string];
      const resolve = this.waiting.get(job);
      if (resolve) resolve(result);
      else this.finished.set(job, result);
    });
  }

  close(): void {
    this.bus.disconnect();
  }

  private async send(message: dbus.MessageLike): Promise<unknown[]> {
    const reply = await Promise.race([this.bus.call(new dbus.Message(message)), this.broken]);
    return (reply?.body ?? []) as unknown[];
  }

  private call(member: string, signature: string, body: unknown[], iface = MANAGER): Promise<unknown[]> {
    debug("%s %o", member, body);
    return this.send({ destination: SYSTEMD, path: MANAGER_PATH, interface: iface, member, signature, body });
  }

  /** JobRemoved signals reach only subscribed clients that asked for them with a match rule. */
  private async subscribe(): Promise<void> {
    if (this.subscribed) return;
    const rule = `type='signal',sender='${SYSTEMD}',interface='${MANAGER}',member='JobRemoved',path='${MANAGER_PATH}'`;
    await this.send({ destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "AddMatch", signature: "s", body: [rule] });
    await this.call("Subscribe", "", []);
    this.subscribed = true;
  }

  private waitForJob(job: string, what: string): Promise<string> {
    const done = this.finished.get(job);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(job);
        reject(new SkiffError("Internal", `timed out waiting for systemd to ${what}`));
      }, JOB_TIMEOUT_MS);
      this.waiting.set(job, (result) => {
        clearTimeout(timer);
        this.waiting.delete(job);
        resolve(result);
      });
    });
  }

  /** The manager's own cgroup: "/user.slice/user-1000.slice/user@1000.service" for a user's systemd. */
  async managerControlGroup(): Promise<string> {
    try {
      const [v] = await this.call("Get", "ss", [MANAGER, "ControlGroup"], "org.freedesktop.DBus.Properties");
      return String((v as dbus.Variant).value);
    } catch (e) {
      throw busError("asking systemd for its cgroup", e);
    }
  }

  /** systemd's version number ("252.30-1" → 252); 0 when it cannot be read. */
  async version(): Promise<number> {
    try {
      const [v] = await this.call("Get", "ss", [MANAGER, "Version"], "org.freedesktop.DBus.Properties");
      return Number(/([0-9]+)/.exec(String((v as dbus.Variant).value))?.[1] ?? 0);
    } catch (e) {
      debug("systemd version: %s", (e as Error).message);
      return 0;
    }
  }

  /** StartTransientUnit and wait for its job; a unit that exists already is taken as is (runc). */
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
    await this.subscribe();
    try {
      const [job] = (await this.call("StopUnit", "ss", [unit, "replace"])) as [string];
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

function variants(properties: UnitProperty[]): [string, dbus.Variant][] {
  return properties.map(([name, signature, value]) => [name, new dbus.Variant(signature, value)]);
}

function dbusErrorName(e: unknown): string | undefined {
  return e instanceof dbus.DBusError ? e.type : undefined;
}

function busError(what: string, e: unknown): SkiffError {
  const name = dbusErrorName(e);
  return new SkiffError("Syscall", `${what}: ${(e as Error).message}${name ? ` (${name})` : ""}`);
}
