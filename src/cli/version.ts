// `skiff --version`, in runc's shape: podman shows the first line, tools grep "spec:".
export const SKIFF_VERSION = "0.1.0";
export const SPEC_VERSION = "1.2.0";

export const VERSION_TEXT = `skiff version ${SKIFF_VERSION}\nspec: ${SPEC_VERSION}\n`;
