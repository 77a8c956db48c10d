// linux.personality → the personality(2) argument.
import type { Linux } from "../spec/types.js";

/** linux/personality.h execution domains the spec allows; LINUX32 makes uname report i686. */
export const PERSONALITY_DOMAINS = { LINUX: 0x0000, LINUX32: 0x0008 } as const;

/** The value for personality(2), or undefined to leave the personality alone. spec/ allows the two
 * domains and no flags (the spec defines none). */
export function personalityValue(personality: Linux["personality"]): number | undefined {
  if (personality === undefined) return undefined;
  return PERSONALITY_DOMAINS[personality.domain as keyof typeof PERSONALITY_DOMAINS];
}
