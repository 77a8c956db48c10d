// linux.personality → the personality(2) argument.
import { SkiffError } from "../errors.js";
import type { Linux } from "../spec/types.js";

/** linux/personality.h execution domains the spec allows; LINUX32 makes uname report i686. */
export const PERSONALITY_DOMAINS = { LINUX: 0x0000, LINUX32: 0x0008 } as const;

/** The value for personality(2), or undefined to leave the personality alone. */
export function personalityValue(personality: Linux["personality"]): number | undefined {
  if (personality === undefined) return undefined;
  const { domain, flags = [] } = personality;
  if (!Object.hasOwn(PERSONALITY_DOMAINS, domain)) {
    throw new SkiffError("InvalidConfig", `linux.personality.domain: must be LINUX or LINUX32, got ${JSON.stringify(domain)}`);
  }
  // The spec: "Currently no flag values are supported."
  if (flags.length > 0) {
    throw new SkiffError("InvalidConfig", `linux.personality.flags[0]: unsupported flag ${JSON.stringify(flags[0])} (the spec defines none)`);
  }
  return PERSONALITY_DOMAINS[domain as keyof typeof PERSONALITY_DOMAINS];
}
