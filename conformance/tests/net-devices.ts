// config-linux.md "Network Devices": host interfaces moved into the container's network
// namespace. Each test makes its own veth pair in the runner's namespace (no address, so no
// route; this kernel has no dummy driver) and deletes it afterwards unless the container's
// namespace took it along when it died.
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { check, checkEqual } from "../assert.js";
import { describeRun, type ConformanceTest } from "../harness.js";
import { probeValue } from "../probe-report.js";
import type { Clause } from "../results.js";

const netClause = (text: string): Clause => ({ doc: "config-linux.md", section: "Network Devices", level: "MUST", text });

/** Attributes the move must preserve, distinct from a fresh dummy's defaults. */
const MTU = "1400";
const MAC = "02:00:00:c0:ff:ee";

function ip(args: string[]): { ok: boolean; stderr: string } {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  return { ok: r.status === 0, stderr: r.stderr };
}

/** Runs `body` with one end (name ≤ 15 chars) of a fresh veth pair on the host; removes the pair. */
async function withVeth(body: (name: string) => Promise<void>): Promise<void> {
  const name = `ocv${crypto.randomBytes(4).toString("hex")}`;
  const peer = `${name}p`;
  const made = ip(["link", "add", name, "address", MAC, "mtu", MTU, "type", "veth", "peer", "name", peer]);
  check(made.ok, `could not make the veth pair ${name}/${peer}: ${made.stderr.trim()}`);
  try {
    await body(name);
  } finally {
    // Deleting either end deletes the pair.
    for (const end of [name, peer]) if (fs.existsSync(`/sys/class/net/${end}`)) ip(["link", "del", end]);
  }
}

/** The interface's attribute files the probe reads. */
const attributeArgs = (dev: string): string[] => ["mtu", "address", "flags"].flatMap((f) => ["--read", `/sys/class/net/${dev}/${f}`]);

export const netDeviceTests: ConformanceTest[] = [
  {
    id: "net-devices.moved-renamed-up",
    clause: netClause("each netDevices entry is moved into the container's network namespace under its name, keeps its attributes, and is set up"),
    async run(t) {
      await withVeth(async (hostName) => {
        const bundle = t.bundle((spec) => {
          spec.process!.args = ["/probe", "report", "--list", "/sys/class/net", ...attributeArgs("ctr0")];
          spec.linux!.netDevices = { [hostName]: { name: "ctr0" } };
        });
        const r = await t.container(bundle).runToCompletion();
        const seen = probeValue(r.list["/sys/class/net"], "/sys/class/net");
        check(seen.includes("ctr0") && !seen.includes(hostName), `the container's interfaces are ${JSON.stringify(seen)}: no ctr0, or still the host name`);
        checkEqual(probeValue(r.read["/sys/class/net/ctr0/mtu"], "ctr0 mtu").trim(), MTU, "MTU of the moved interface");
        checkEqual(probeValue(r.read["/sys/class/net/ctr0/address"], "ctr0 address").trim(), MAC, "MAC address of the moved interface");
        const flags = Number(probeValue(r.read["/sys/class/net/ctr0/flags"], "ctr0 flags").trim());
        check((flags & 1) === 1, `the moved interface is not up (flags ${flags.toString(16)}: IFF_UP is 0x1)`);
      });
    },
  },
  {
    id: "net-devices.name-template",
    clause: netClause("a netDevices name ending in %d is a template: the runtime allows the move and the kernel picks a free name"),
    async run(t) {
      await withVeth(async (hostName) => {
        const bundle = t.bundle((spec) => {
          spec.process!.args = ["/probe", "report", "--list", "/sys/class/net"];
          spec.linux!.netDevices = { [hostName]: { name: "ctr%d" } };
        });
        const seen = probeValue((await t.container(bundle).runToCompletion()).list["/sys/class/net"], "/sys/class/net");
        check(seen.includes("ctr0"), `the container's interfaces are ${JSON.stringify(seen)}, without the kernel-named ctr0`);
      });
    },
  },
  {
    id: "net-devices.name-taken-errors",
    clause: netClause("a netDevices name that already exists in the container's namespace (here lo) must make the runtime generate an error"),
    async run(t) {
      await withVeth(async (hostName) => {
        const bundle = t.bundle((spec) => {
          spec.process!.args = ["/bin/true"];
          spec.linux!.netDevices = { [hostName]: { name: "lo" } };
        });
        const c = t.container(bundle);
        const created = await c.create();
        check(created.code !== 0, "create succeeded although the container's namespace already has an lo");
        const state = await c.state();
        check(state.code !== 0, `after the failed create, state still finds the container: ${describeRun(state)}`);
      });
    },
  },
];
