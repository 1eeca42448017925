// public API of @castpoint/chunking
export {};
