import { MethodOptionError } from '@odl/core';

/**
 * An option given to a low-rank baseline (`'hosvd'`, `'svd'`, `'gradient-filter'`) is invalid:
 * ε outside (0, 1], a radius below 1, an unknown path or option, or an unsupported layer. A
 * `MethodOptionError` of `@odl/core` (so an `ArgumentError`): `method` and `option` name the
 * culprit; the message says what values are accepted.
 *
 * @example
 * ```ts
 * try { hosvdPlugin.create(geometry, { epsilon: 1.5 }); }
 * catch (e) { if (e instanceof LowrankOptionError) console.error(e.option); } // 'epsilon'
 * ```
 */
export class LowrankOptionError extends MethodOptionError {}
