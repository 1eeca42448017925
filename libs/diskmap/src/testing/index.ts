// Test helpers of @castpoint/diskmap for other projects' tests (`@castpoint/diskmap/testing`):
// real filesystems made by mkfs on files, and the tools' own ground truth. Never imported by the
// lib itself (it runs child processes).
export * from './fixture-disk';
export * from './ground-truth';
