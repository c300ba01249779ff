/**
 * `@odl/core/testing`: the conformance kit of the method plugin contract (docs/architecture.md
 * §3). It imports no test framework: call {@link checkMethodConformance} from any test runner.
 *
 * @packageDocumentation
 */
export { checkMethodConformance, ConformanceError } from './conformance';
export type { ConformanceCase, ConformanceCaseResult, ConformanceCheck, ConformanceOptions, ConformanceReport } from './conformance';
