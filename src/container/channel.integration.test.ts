// Golden test of the channel to skiff-init: the real executor runs small plans and the messages
// it sends, decoded by channel.ts, come in the order the protocol promises. Also the dispatch
// table's refusals: a step outside its phase, a step short of arguments, an unknown op.
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { sendPlan, spawnHelper, type Helper } from "../native.js";
import { step, type Plan } from "../plan/plan.js";
import { Op, SyncTag } from "../plan/protocol.js";
import { platform } from "../platform/index.js";
import { InitChannel, type InitEvent } from "./channel.js";

const helpers: Helper[] = [];
afterEach(() => {
  for (const h of helpers.splice(0)) {
    h.child.kill("SIGKILL");
    fs.closeSync(h.sock);
  }
});

const initBinary = await platform().initBinary();

/** Runs the plan in skiff-init (stdio on /dev/null) and returns its channel. */
function run(plan: Plan): InitChannel {
  const devnull = fs.openSync("/dev/null", "r+");
  try {
    const helper = spawnHelper(initBinary, [devnull, devnull, devnull]);
    helpers.push(helper);
    sendPlan(helper.sock, plan);
    return new InitChannel(helper.sock, plan);
  } finally {
    fs.closeSync(devnull);
  }
}

/** Every message until the socket closes; each "sync" is acknowledged with one document. */
function transcript(channel: InitChannel): InitEvent[] {
  const seen: InitEvent[] = [];
  for (let e = channel.read(); e; e = channel.read()) {
    seen.push(e);
    if (e.type === "sync") channel.ack(true, ["doc"]);
  }
  return seen;
}

const TRUE = ["/bin/true"];
const execTrue = [step(Op.RESOLVE_EXEC, "find /bin/true", [], ["/bin/true", "/bin"]), step(Op.EXEC, "exec /bin/true", [1], TRUE)];

describe("the channel to skiff-init", () => {
  // The helper reports the pid right after the fork while the init already runs its steps, so
  // "pid" may come before or among the init's own messages; those keep their order.
  it("a foreground run: the init's sync (acknowledged) and ready, the helper's pid, then the exit status", () => {
    const plan = { steps: [step(Op.FORK, "fork", [1]), step(Op.SETSID, "setsid"), step(Op.SYNC, "sync", [SyncTag.CREATE_RUNTIME]), step(Op.READY, "ready"), ...execTrue] };
    const events = transcript(run(plan));
    expect(events.filter((e) => e.type !== "pid")).toEqual([{ type: "sync", tag: SyncTag.CREATE_RUNTIME }, { type: "ready" }, { type: "exit", waitStatus: 0 }]);
    expect(events.filter((e) => e.type === "pid")).toHaveLength(1);
    expect(events.at(-1)?.type).toBe("exit");
  });

  it("expect() and until() read the same sequence, and a failing step is thrown as its error", () => {
    // an exec's shape: the init sends nothing unless it fails, so the helper's pid comes first
    const ok = run({ steps: [step(Op.FORK, "fork", [1]), ...execTrue] });
    expect(ok.expect("pid", "gone").pid).toBeGreaterThan(0);
    expect(ok.until("exit", "gone")).toEqual({ type: "exit", waitStatus: 0 });

    const failing = run({ steps: [step(Op.FORK, "fork", [1]), step(Op.CHDIR, "chdir to cwd /no/such", [0], ["/no/such"]), ...execTrue] });
    expect(() => failing.until("exit", "gone")).toThrow("chdir to cwd /no/such: no such file or directory");
  });

  it("refuses an init step before the fork, a helper step after it, short arguments and unknown ops", () => {
    const error = (plan: Plan) => transcript(run(plan)).find((e) => e.type === "error");
    expect(error({ steps: [step(Op.SETSID, "setsid"), step(Op.FORK, "fork", [1])] })).toMatchObject({ step: 0, text: `op ${Op.SETSID} runs only after the fork` });
    expect(error({ steps: [step(Op.FORK, "fork", [1]), step(Op.UNSHARE_USER, "unshare user")] })).toMatchObject({ step: 1, text: `op ${Op.UNSHARE_USER} runs only before the fork` });
    expect(error({ steps: [step(Op.FORK, "fork", [1]), step(Op.MOUNT, "mount", [0])] })).toMatchObject({ step: 1, text: `op ${Op.MOUNT}: missing arguments` });
    expect(error({ steps: [step(34 as Op, "a removed op")] })).toMatchObject({ step: 0, text: "unknown op 34" });
  });
});
