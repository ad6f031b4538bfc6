/** The environment: `process.env`, or what a test or a caller hands in. Every parser in config/ reads one. */
export type Env = Record<string, string | undefined>;
