// One error type for the whole runtime. The kind is stable and maps to the words callers
// pattern-match on (containerd and podman read our error text and map it).

export type ErrorKind =
  | "NotFound" // unknown container id: message contains "does not exist"
  | "AlreadyExists"
  | "InvalidConfig" // config.json / process.json / resources JSON rejected
  | "InvalidArgument" // a bad flag or argument on the command line
  | "NotRunning" // operation needs a running container: "container not running"
  | "InvalidState" // operation not allowed in the container's current status
  | "ExecNotFound" // "executable file not found in $PATH" / "no such file or directory"
  | "PermissionDenied"
  | "Syscall" // a system call failed; errno is set
  | "Hook" // a lifecycle hook failed
  | "Internal";

export class SkiffError extends Error {
  readonly kind: ErrorKind;
  readonly errno?: number;
  /** The process exit status for this error, when not ERROR_EXIT_CODE (exec's 255). */
  exitCode?: number;

  constructor(kind: ErrorKind, message: string, errno?: number) {
    super(message);
    this.name = "SkiffError";
    this.kind = kind;
    this.errno = errno;
  }
}

export function isSkiffError(e: unknown, kind?: ErrorKind): e is SkiffError {
  return e instanceof SkiffError && (kind === undefined || e.kind === kind);
}

/** runc exits 1 on every error; callers rely on "non-zero", the text carries the meaning. */
export const ERROR_EXIT_CODE = 1;

/**
 * runc's `exec` exits 255 when it cannot run the process ("exec failed: …"), so a caller tells
 * that apart from the program's own status.
 */
export function execFailed(e: unknown): SkiffError {
  const err = e instanceof SkiffError ? e : new SkiffError("Internal", e instanceof Error ? e.message : String(e));
  const failed = new SkiffError(err.kind, `exec failed: ${err.message}`, err.errno);
  failed.exitCode = 255;
  return failed;
}
