// Moving a process into a cgroup takes a global lock (cgroup_threadgroup_rwsem) whose first
// writer waits for an RCU grace period: 8–26 ms measured on a kernel with default RCU, time the
// calling thread blocks in the kernel (docs/architecture.md). A kernel that expedites grace
// periods (/sys/kernel/rcu_expedited = 1) makes it a fraction of a millisecond (0.25–0.34 ms on
// this project's VMs). Only where the wait is real does skiff pay for hiding it: the warm-up
// move at start-up, and cgroup mkdirs and joins on node:fs's I/O thread pool.
import { readTextThroughLibc } from "../linux/io.js";
import { once } from "../platform/index.js";

/** Whether this host's first cgroup move (and any cgroup mkdir waiting on it) blocks for a grace period. */
export const cgroupMovesWait = once(() => readTextThroughLibc("/sys/kernel/rcu_expedited")?.trim() !== "1");
