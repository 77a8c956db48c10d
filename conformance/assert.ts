// The outcomes of a conformance check: a requirement not met (Failure), one this machine cannot
// check (Skip), and the assertions that raise them.
/** A requirement the runtime did not meet. */
export class Failure extends Error {}
/** A requirement this machine cannot check (missing kernel feature...). */
export class Skip extends Error {}

export function fail(message: string): never {
  throw new Failure(message);
}

export function skip(message: string): never {
  throw new Skip(message);
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

export function checkEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
}
