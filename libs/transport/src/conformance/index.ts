export { CONFORMANCE_CASES, runConformance, type ConformanceCase, type ConformanceResult } from './cases';
export type { ConformanceTarget } from './harness';
