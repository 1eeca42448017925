// Public API of @castpoint/wire.
export * from './messages';
export * from './manifest';
export * from './agent-api';
export * from './errors';
