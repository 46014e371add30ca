/** A refusal the operator can act on (bad CSR, unknown serial, missing CA): printed as is by the CLI. */
export class PkiError extends Error {
  override name = 'PkiError';
}
