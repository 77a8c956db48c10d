import { expect, it } from "vitest";
import { initBornInCgroup, kernelAtLeast } from "./clone-into.js";

it("reads a kernel release's version", () => {
  expect(kernelAtLeast("6.1.0-18-amd64", 5, 7)).toBe(true);
  expect(kernelAtLeast("5.7.0", 5, 7)).toBe(true);
  expect(kernelAtLeast("5.6.19", 5, 7)).toBe(false);
  expect(kernelAtLeast("4.19.0-26-amd64", 5, 7)).toBe(false);
  expect(kernelAtLeast("garbage", 5, 7)).toBe(false);
});

it("clones the init into its cgroup only on cgroup v2, with the cgroupfs driver, as root, without a user namespace, on Linux 5.7 or later", () => {
  const host = { pureV2: true, systemd: false, rootless: false, userNamespace: false, kernelRelease: () => "6.1.0\n" };
  expect(initBornInCgroup(host)).toBe(true);
  expect(initBornInCgroup({ ...host, pureV2: false })).toBe(false);
  expect(initBornInCgroup({ ...host, systemd: true })).toBe(false);
  expect(initBornInCgroup({ ...host, rootless: true })).toBe(false);
  expect(initBornInCgroup({ ...host, userNamespace: true })).toBe(false);
  expect(initBornInCgroup({ ...host, kernelRelease: () => "5.4.0-150-generic" })).toBe(false);
});
