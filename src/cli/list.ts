import type { StateView } from "../container/state.js";
import { StateStore } from "../container/state-store.js";
import type { Command, GlobalOptions } from "./table.js";
import { printOut } from "../output.js";
import { isSkiffError } from "../errors.js";
import { log } from "../log.js";

/** A container whose state cannot be read is listed with status "unknown". */
type ListEntry = Omit<StateView, "status"> & { status: StateView["status"] | "unknown" };

function table(views: ListEntry[]): string {
  const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], ...views.map((v) => [v.id, String(v.pid), v.status, v.bundle, v.created, v.owner])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join("").trimEnd() + "\n").join("");
}

export const listCommand: Command = {
  name: "list",
  positionals: "",
  describe: "list the containers under --root",
  flags: [
    { name: "format", alias: "f", type: "string", choices: ["table", "json"], default: "table", describe: "output format" },
    { name: "quiet", alias: "q", type: "boolean", default: false, describe: "ids only" },
  ],
  handler: async (args) => {
    const a = args as unknown as GlobalOptions & { format: "table" | "json"; quiet: boolean };
    const [{ viewOf }, { Container }] = await Promise.all([import("../container/state.js"), import("../container/container.js")]);
    const store = new StateStore(a.root);
    // Every container at once: where reads are asynchronous (on Node) a host with a hundred
    // containers would otherwise wait for them one after another.
    const found = await Promise.all(
      (await store.names()).map(async (id): Promise<ListEntry | undefined> => {
        try {
          return await viewOf(await Container.open(store, id));
        } catch (e) {
          // Not a container (no record), or one being deleted right now.
          if (isSkiffError(e, "NotFound") || isSkiffError(e, "InvalidArgument")) return undefined;
          // Shown, not hidden: `delete --force` can still remove it.
          log("warning", (e as Error).message);
          return { ociVersion: "", id, pid: 0, status: "unknown", bundle: "", rootfs: "", created: "", owner: "" };
        }
      }),
    );
    const views = found.filter((v): v is ListEntry => v !== undefined);
    if (a.quiet) printOut(views.map((v) => v.id + "\n").join(""));
    else if (a.format === "json") printOut(JSON.stringify(views) + "\n");
    else printOut(table(views));
  },
};
