// The agent's version: --version prints it and the screen's header shows it (bug reports quote it).

/** Set by tools/build/bundle.mjs; absent when the sources run unbundled (tests). */
declare const __CASTPOINT_VERSION__: string | undefined;

export const AGENT_VERSION = typeof __CASTPOINT_VERSION__ === 'string' ? __CASTPOINT_VERSION__ : 'development';
