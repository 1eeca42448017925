// castpoint dp-server entry point (being built)
export {};
