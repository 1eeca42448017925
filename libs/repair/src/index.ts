// public API of @castpoint/repair
export {};
