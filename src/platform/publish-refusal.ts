import type { Diagnostic } from '../core/diagnostic.js';
import { ConflictError, InputError, type MeshError } from '../core/errors.js';

/** The governance finding that means "this version exists with other content". */
export const VERSION_TAKEN = 'version-already-published';

/**
 * Why a publish with blocking findings is refused, as one error. A version that already exists
 * with other content is a conflict with the registry (the same error a racing publisher gets),
 * naming the version; everything else is an input problem. The findings travel in details.
 */
export function publishRefusal(
  file: string,
  product: { id: string; version: string } | undefined,
  diagnostics: Diagnostic[],
): MeshError {
  const taken = diagnostics.find((d) => d.code === VERSION_TAKEN && d.severity === 'error');
  if (taken && product) {
    return new ConflictError(
      `${product.id}@${product.version} is already published with different content; versions are immutable`,
      {
        details: { diagnostics, hint: taken.hint ?? 'bump metadata.version' },
      },
    );
  }
  return new InputError(`${file} has errors; nothing was published`, { details: { diagnostics } });
}
