// One container as the commands see it: its record, its cgroup manager (imported on first use:
// `state`, `list` and a plain `kill` never need it, and loading it is a good part of their
// start-up), its status derived from facts each time, and the lock that serialises a
// read-change-save of its record.
import { isFrozen } from "../cgroups/frozen.js";
import type { CgroupManager } from "../cgroups/index.js";
import { SkiffError, isSkiffError } from "../errors.js";
import { ESRCH } from "../linux/errno.js";
import { close, pidfdSendSignal } from "../linux/libc.js";
import type { Status } from "../spec/types.js";
import { openProcess } from "./reap.js";
import type { ContainerRecord, StateStore } from "./state-store.js";
import { statusOf } from "./status.js";

const SIGKILL = 9;

export class Container {
  private manager?: CgroupManager;

  private constructor(
    readonly store: StateStore,
    readonly record: ContainerRecord,
  ) {}

  static async open(store: StateStore, id: string): Promise<Container> {
    return new Container(store, await store.load(id));
  }

  /** A container whose record the caller has already (a list, a fallback record). */
  static of(store: StateStore, record: ContainerRecord): Container {
    return new Container(store, record);
  }

  /**
   * Runs fn on the container, opened once an exclusive flock on its state directory is held, so
   * that a concurrent update or delete sees the record fn saves, never an older one.
   */
  static lock<T>(store: StateStore, id: string, fn: (c: Container) => Promise<T>): Promise<T> {
    return store.withLock(id, async () => fn(await Container.open(store, id)));
  }

  get id(): string {
    return this.record.id;
  }

  async cgroups(): Promise<CgroupManager> {
    this.manager ??= (await import("../cgroups/index.js")).loadCgroupManager(this.record.cgroups);
    return this.manager;
  }

  status(): Promise<Status> {
    return statusOf(this.store, this.record);
  }

  /** The status, unless the container is stopped: then NotRunning with `message`. */
  async live(message: string): Promise<Status> {
    const status = await this.status();
    if (status === "stopped") throw new SkiffError("NotRunning", message);
    return status;
  }

  /** Saves the record with the cgroups as they are now (after an update). */
  async saveCgroups(): Promise<void> {
    this.store.save({ ...this.record, cgroups: (await this.cgroups()).saved });
  }

  /**
   * Signals the init (through a pidfd), or with `all` every process in its cgroup. On cgroup v1
   * a frozen task does not act on SIGKILL until it is thawed: as runc does, a SIGKILL to a paused
   * container thaws it after signalling, so it really dies (other signals wait for `resume`).
   */
  async signal(signal: number, all: boolean): Promise<void> {
    const status = await this.status();
    const thawIfKilled = async () => {
      if (signal === SIGKILL && (await isFrozen(this.record.cgroups))) (await this.cgroups()).thaw();
    };
    const cgroups = all ? await this.cgroups() : undefined;
    // A rootless container may have no cgroup to list its processes in: then --all is the init
    // (pid 1 of its namespace, whose death takes the rest along).
    if (cgroups && cgroups.hierarchies().length > 0) {
      if (signal === SIGKILL && cgroups.killThroughCgroup()) return;
      // Frozen while signalling (runc's way), so no process forks a child the loop would miss.
      const wasFrozen = await cgroups.isFrozen();
      const freeze = !wasFrozen && status !== "stopped" && cgroups.canFreeze();
      if (freeze) cgroups.freeze();
      try {
        for (const pid of cgroups.pids()) {
          try {
            process.kill(pid, signal);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
          }
        }
      } finally {
        if (freeze) cgroups.thaw();
        else await thawIfKilled();
      }
      return;
    }
    if (status === "stopped") throw new SkiffError("NotRunning", "container not running");
    const fd = await openProcess(this.record.pid, this.record.initStartTime);
    if (fd === undefined) throw new SkiffError("NotRunning", "container not running");
    try {
      pidfdSendSignal(fd, signal);
      if (status === "paused") await thawIfKilled();
    } catch (e) {
      if (isSkiffError(e) && e.errno === ESRCH) throw new SkiffError("NotRunning", "container not running: no such process");
      throw e;
    } finally {
      close(fd);
    }
  }
}
