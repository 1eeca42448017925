// public API of @castpoint/transport
export {};
