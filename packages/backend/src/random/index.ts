export { SeededRandom } from './seeded-random';
export type { SeededRandomState, WritableArrayLike } from './seeded-random';
