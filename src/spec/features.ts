// `skiff features`: the runtime-spec Features structure (features.md, features-linux.md).
// Fixed at build time, as the spec asks: it says what skiff recognises, not what this host has.
// Name lists come from the same places the validator and the plan use (the schemas, the
// capability table), so the document cannot drift from what config.json may contain.

import configDefs from "../../schemas/defs.json" with { type: "json" };
import linuxDefs from "../../schemas/defs-linux.json" with { type: "json" };
import { CAPABILITY_NAMES } from "./capabilities.js";
import { OCI_VERSION_MAX, OCI_VERSION_MIN } from "./semantic.js";

/**
 * The mount options skiff gives a meaning to (config.md "Linux mount options"); anything else
 * in `mounts[].options` goes to the filesystem as data. Exactly what src/plan/mount-options.ts
 * implements (features.test.ts holds the two together); iversion and tmpcopyup are not.
 */
export const MOUNT_OPTIONS = [
  "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "lazytime", "loud",
  "mand", "noatime", "nodev", "nodiratime", "noexec", "nolazytime", "nomand", "norelatime",
  "nostrictatime", "nosuid", "nosymfollow", "private", "rbind", "relatime", "remount", "ro",
  "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "silent", "slave", "strictatime",
  "suid", "symfollow", "sync", "unbindable",
  // recursive attributes (mount_setattr with AT_RECURSIVE) and idmapped mounts
  "ratime", "rdev", "rdiratime", "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime",
  "rnostrictatime", "rnosuid", "rnosymfollow", "rrelatime", "rro", "rrw", "rstrictatime", "rsuid", "rsymfollow",
  "idmap", "ridmap",
];

export interface FeaturesOptions {
  /** skiff's version, published as the "skiff.version" annotation. */
  version?: string;
}

export function features(opts: FeaturesOptions = {}): object {
  const l = linuxDefs.definitions;
  const enabled = { enabled: true };
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION_MAX,
    hooks: Object.keys(configDefs.definitions.Hooks.properties),
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: l.NamespaceType.enum,
      capabilities: CAPABILITY_NAMES,
      // systemd: --systemd-cgroup (the system's systemd, v1 or v2); systemdUser: a rootless
      // container's unit in the user's own systemd (v2).
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: true, rdma: true },
      seccomp: {
        enabled: true,
        actions: l.SeccompAction.enum,
        operators: l.SeccompOperator.enum,
        archs: l.SeccompArch.enum,
        knownFlags: l.SeccompFlag.enum,
        supportedFlags: l.SeccompFlag.enum,
      },
      // Process labels are applied when the host's module is active (refused otherwise).
      apparmor: enabled,
      selinux: enabled,
      // resctrl is not driven yet: linux.intelRdt is refused.
      intelRdt: { enabled: false },
      memoryPolicy: {
        modes: l.MemoryPolicy.properties.mode.enum,
        flags: l.MemoryPolicy.properties.flags.items.enum,
      },
      mountExtensions: { idmap: enabled },
      netDevices: enabled,
    },
    // Rootless runs (an unprivileged user, user namespace first) are supported: README "Rootless".
    annotations: { ...(opts.version ? { "skiff.version": opts.version } : {}), "skiff.rootless": "true" },
  };
}
