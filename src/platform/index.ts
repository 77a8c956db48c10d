// The one seam between the two JavaScript engines skiff runs on (DESIGN.md §1): how the
// skiff-init binary is found. Bun's compiled dist/skiff carries it inside itself; the Node
// entry reads it from native/build.
export interface Platform {
  initBinary(): Buffer;
}

let current: Platform | undefined;

export function setPlatform(p: Platform): void {
  current = p;
}

export function platform(): Platform {
  if (!current) throw new Error("platform not set: start skiff through src/main-node.ts or src/main-bun.ts");
  return current;
}
