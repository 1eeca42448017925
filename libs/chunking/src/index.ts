// Public API of @castpoint/chunking: images as chunks (import, layout, read, write, resume).
export * from './errors';
export * from './chunk-math';
export { isAllZero } from './zero';
export { chunkKind, chunksTouched, encodeManifest, manifestHash, untransmittedChunks, validateManifest } from './manifest-codec';
export { type ImageFingerprint, FINGERPRINT_SAMPLES, assertImageUnchanged, makeFingerprint, sampleChunks } from './fingerprint';
export { type ImportOptions, type ImportResult, type UsedBlockMap, applyUsedMap, importImage } from './import-image';
export { BlockLayout, type BlockInfo, type BlockLayoutOptions, DEFAULT_BLOCK_SYMBOLS, DEFAULT_SYMBOL_SIZE } from './block-layout';
export { ChunkSource, type ChunkSourceOptions } from './chunk-source';
export { type MountEntry, devMajorMinor, parseMountinfo, parseSwaps } from './mountinfo';
export { type PreflightResult, type SystemProbe, type TargetKind, type TargetStat, preflightTarget } from './preflight';
export { type SourceInfo, preflightSource } from './source-preflight';
export { type TargetIo, type TargetIoOptions, type WriteCounts, openTargetIo } from './target-io';
export { DIRECT_IO_ALIGNMENT, allocAligned, allocChunkBuffer, directIoAvailable, isDirectIoReady } from './aligned-memory';
export { type JournalStore, fileJournalStore } from './journal-store';
export { Journal, type JournalOpen, decodeJournal, encodeJournal } from './journal';
export { ImageWriter, type FinishResult, type OpenTargetOptions, journalPathFor, openTarget } from './image-writer';
export { type LockHolder, claimDirectory } from './dir-lock';
export { type DiskChoice, type DiskInfo, type DiskRefusal, type DiskSelector, DEFAULT_DISK_SELECTOR, describeDisk, parseDiskSelector, parseSize, selectDisk } from './disk-select';
