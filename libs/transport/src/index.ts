// Public API of @castpoint/transport: the only code that touches node:dgram.
export * from './endpoint';
export { TRANSPORT_ERROR_CODES, TransportError, isTransportError, type TransportErrorCode, type TransportErrorData, type TransportErrorDataByCode } from './errors';
export { MAX_UDP4_PAYLOAD, isIpv4, isMulticast4 } from './ipv4';
export { openUdpSocket } from './udp-socket';
export { BatchedReader, socketReadHandle, type BatchedReaderOptions, type BatchedReaderStats, type ReadHandle } from './batched-reader';
export { loadRecvMmsg, RECV_BATCH, type DatagramBatchSource } from './recvmmsg';
export { interfaceMtu } from './segmented-socket';
export { CallbackFrameSender, DEFAULT_SLAB_LIMITS, SlabFrameSender, type FrameSender, type SegmentSendIo, type SlabLimits } from './frame-sender';
export { cappedWarning, readKernelMax } from './socket-buffers';
export { MemoryNetwork, type MemoryNetworkOptions, type MemoryNetworkStats } from './memory-network';
export { realClock, VirtualClock, type Clock } from './clock';
export { SeededRandom } from './prng';
export { Pacer, type PacerOptions } from './pacer';
export { PACED_IDLE, runPaced, type PacedResult, type PacedRun, type RunPacedOptions } from './paced-run';
export * from './conformance';
