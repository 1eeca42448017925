// public API of @castpoint/wire
export {};
