// config-linux.md "Namespaces" and "User namespace mappings".
import * as fs from "node:fs";
import type { Namespace, NamespaceType, Spec } from "../../src/spec/types.js";
import { check, checkEqual, skip } from "../assert.js";
import { createFailsTest, probeTest } from "../define.js";
import { procLink, type ConformanceTest } from "../harness.js";
import { parseCgroupFile, probeValue, type ProbeReport } from "../probe-report.js";
import type { Clause } from "../results.js";

const nsClause = (text: string, level: Clause["level"] = "MUST", section = "Namespaces"): Clause => ({ doc: "config-linux.md", section, level, text });

/** /proc/self/ns file name of each namespace type. */
const NS_FILE: Record<NamespaceType, string> = {
  pid: "pid",
  network: "net",
  mount: "mnt",
  ipc: "ipc",
  uts: "uts",
  user: "user",
  cgroup: "cgroup",
  time: "time",
};

function setNamespaces(spec: Spec, namespaces: Namespace[]): void {
  spec.linux!.namespaces = namespaces;
}

function withType(spec: Spec, type: NamespaceType): void {
  const current = spec.linux!.namespaces!.filter((ns) => ns.type !== type);
  setNamespaces(spec, [...current, { type }]);
}

const seen = (r: ProbeReport, type: NamespaceType): string => probeValue(r.namespaces[NS_FILE[type]], `/proc/self/ns/${NS_FILE[type]}`);

const ID_MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

/** The container gets a namespace of its own: its /proc/self/ns link differs from the runtime's. */
function newNamespaceTest(type: NamespaceType, level: Clause["level"] = "MUST"): ConformanceTest {
  return probeTest({
    id: `namespaces.${type}-new`,
    clause: nsClause(`an entry of type ${type} without path makes the runtime create a new ${type} namespace for the container`, level),
    configure: (spec) => {
      if (!fs.existsSync(`/proc/self/ns/${NS_FILE[type]}`)) skip(`this kernel has no ${type} namespaces`);
      withType(spec, type);
      if (type === "user") {
        spec.linux!.uidMappings = ID_MAP;
        spec.linux!.gidMappings = ID_MAP;
      }
    },
    expect: (r, t) => {
      const host = t.host.namespaces[NS_FILE[type]];
      check(seen(r, type) !== host, `the container shares the runtime's ${type} namespace ${host}`);
      if (type === "pid") checkEqual(r.pid, 1, "pid of the container process in its new pid namespace");
    },
  });
}

/** Without an entry for the type, the container stays in the runtime's namespace. */
function inheritedNamespaceTest(type: NamespaceType): ConformanceTest {
  return probeTest({
    id: `namespaces.${type}-inherited`,
    clause: nsClause(`without an entry of type ${type} the container inherits the runtime's ${type} namespace`),
    configure: (spec) => setNamespaces(spec, spec.linux!.namespaces!.filter((ns) => ns.type !== type)),
    expect: (r, t) => checkEqual(seen(r, type), t.host.namespaces[NS_FILE[type]], `${type} namespace`),
  });
}

const JOINABLE: NamespaceType[] = ["network", "ipc", "uts", "pid"];

export const namespaceTests: ConformanceTest[] = [
  ...(["pid", "network", "mount", "ipc", "uts", "cgroup", "user"] as NamespaceType[]).map((type) => newNamespaceTest(type)),
  newNamespaceTest("time", "SHOULD"),
  probeTest({
    id: "namespaces.cgroup-isolated-view",
    clause: nsClause("in a new cgroup namespace the container sees its own cgroup as the root of the hierarchy", "SHOULD"),
    configure: (spec) => withType(spec, "cgroup"),
    expect: (r) => {
      const paths = parseCgroupFile(probeValue(r.cgroup, "/proc/self/cgroup")).filter((m) => !m.controllers.some((c) => c.startsWith("name=")));
      checkEqual(paths.filter((m) => m.path !== "/").map((m) => `${m.controllers.join(",")}:${m.path}`), [], "cgroups not seen as /");
    },
  }),
  ...(["pid", "network", "ipc", "uts", "cgroup"] as NamespaceType[]).map(inheritedNamespaceTest),
  {
    id: "namespaces.join-by-path",
    clause: nsClause("an entry with a path places the container process in the namespace that path names"),
    async run(t) {
      const holder = t.container(t.bundle((spec) => (spec.process!.args = ["/bin/sleep", "600"])));
      await holder.createOk();
      const { pid } = await holder.stateOk();
      const target = Object.fromEntries(JOINABLE.map((type) => [type, procLink(pid, `ns/${NS_FILE[type]}`)]));
      const joiner = t.container(
        t.bundle((spec) => {
          setNamespaces(spec, [{ type: "mount" }, ...JOINABLE.map((type) => ({ type, path: `/proc/${pid}/ns/${NS_FILE[type]}` }))]);
        }),
      );
      const report = await joiner.runToCompletion();
      for (const type of JOINABLE) checkEqual(seen(report, type), target[type], `${type} namespace`);
    },
  },
  createFailsTest({
    id: "namespaces.path-of-wrong-type-errors",
    clause: nsClause("a namespace path that is not a namespace of the entry's type must make the runtime generate an error"),
    configure: (spec) => {
      setNamespaces(spec, [...spec.linux!.namespaces!.filter((ns) => ns.type !== "network"), { type: "network", path: `/proc/${process.pid}/ns/uts` }]);
    },
  }),
  createFailsTest({
    id: "namespaces.duplicate-type-errors",
    clause: nsClause("two namespace entries of the same type must make the runtime generate an error"),
    configure: (spec) => setNamespaces(spec, [...spec.linux!.namespaces!, { type: "ipc" }]),
  }),
  probeTest({
    id: "namespaces.user-mappings",
    clause: nsClause("uidMappings and gidMappings are the container's user namespace maps", "MUST", "User namespace mappings"),
    configure: (spec) => {
      withType(spec, "user");
      spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      spec.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    },
    expect: (r) => {
      const fields = (map: string): string[] => map.trim().split(/\s+/);
      checkEqual(fields(probeValue(r.uidMap, "uid_map")), ["0", "100000", "65536"], "uid_map");
      checkEqual(fields(probeValue(r.gidMap, "gid_map")), ["0", "200000", "65536"], "gid_map");
      checkEqual([r.uid, r.gid], [0, 0], "uid and gid inside the container");
    },
  }),
];
