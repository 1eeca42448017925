// castpoint client-agent entry point (being built)
export {};
