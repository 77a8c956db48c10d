// A busybox container image made offline from Debian's busybox-static, as a docker-archive
// tarball that both `ctr images import` and `podman load` read.
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { busyboxRootfs } from "./harness.js";

export const IMAGE = "skiff.test/busybox:latest";
/** The same layer with a command that sleeps until killed: the CRI plugin's sandbox_image. */
export const PAUSE_IMAGE = "skiff.test/pause:latest";

/** An image tag and the command its config names. */
export interface ImageTag {
  tag: string;
  cmd: string[];
}

export const BUSYBOX: ImageTag = { tag: IMAGE, cmd: ["sh"] };
export const PAUSE: ImageTag = { tag: PAUSE_IMAGE, cmd: ["sleep", "infinity"] };

function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/** Writes an archive of the busybox layer under each tag into dir and returns its path. */
export function busyboxImageArchive(dir: string, tags: ImageTag[] = [BUSYBOX]): string {
  const work = fs.mkdtempSync(path.join(dir, "image-"));
  const layer = path.join(work, "layer.tar");
  run("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", busyboxRootfs(), "-cf", layer, "."]);
  const layerId = sha256(layer);
  fs.mkdirSync(path.join(work, layerId));
  fs.renameSync(layer, path.join(work, layerId, "layer.tar"));
  const manifest = tags.map(({ tag, cmd }) => {
    const config = {
      architecture: "amd64",
      os: "linux",
      created: "2026-01-01T00:00:00Z",
      config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: cmd, WorkingDir: "/" },
      rootfs: { type: "layers", diff_ids: [`sha256:${layerId}`] },
      history: [{ created: "2026-01-01T00:00:00Z", created_by: "skiff tests: busybox-static" }],
    };
    const configText = JSON.stringify(config);
    const configId = crypto.createHash("sha256").update(configText).digest("hex");
    fs.writeFileSync(path.join(work, `${configId}.json`), configText);
    return { Config: `${configId}.json`, RepoTags: [tag], Layers: [`${layerId}/layer.tar`] };
  });
  fs.writeFileSync(path.join(work, "manifest.json"), JSON.stringify(manifest));
  const archive = path.join(dir, "busybox-image.tar");
  run("tar", ["-C", work, "-cf", archive, "manifest.json", ...manifest.map((m) => m.Config), layerId]);
  fs.rmSync(work, { recursive: true, force: true });
  return archive;
}
